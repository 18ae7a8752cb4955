// Where settings come from, in rising precedence: the TOML file, the
// WESHOPD_<SECTION>_<KEY> environment variables, --set flags; each value goes
// through the settings table, then validation.cpp checks the whole.
#include "config/config.hpp"
#include "config/settings_table.hpp"
#include "config/validation.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>

extern char** environ;

namespace weshopd::config {
namespace {

using detail::env_name;
using detail::find;
using detail::kind;
using detail::raw;

// Text from the environment or a flag, read as the setting's kind.
std::optional<raw> from_text(kind type, const std::string& text)
{
  switch (type) {
  case kind::text: return raw{text};
  case kind::list:
  case kind::comma_list: {
    const char separator = type == kind::list ? ':' : ',';
    std::vector<std::string> items;
    std::size_t start = 0;
    for (;;) {
      const auto colon = text.find(separator, start);
      auto item = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!item.empty())
        items.push_back(std::move(item));
      if (colon == std::string::npos)
        break;
      start = colon + 1;
    }
    return raw{items};
  }
  case kind::number: {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size())
      return std::nullopt;
    return raw{n};
  }
  case kind::size: {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data())
      return std::nullopt;
    const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::uint64_t unit = 1;
    if (suffix == "K" || suffix == "KiB")
      unit = 1024;
    else if (suffix == "M" || suffix == "MiB")
      unit = 1024 * 1024;
    else if (suffix == "G" || suffix == "GiB")
      unit = 1024ull * 1024 * 1024;
    else if (!suffix.empty())
      return std::nullopt;
    if (n > static_cast<std::uint64_t>(INT64_MAX) / unit)
      return std::nullopt;
    return raw{static_cast<std::int64_t>(n * unit)};
  }
  }
  return std::nullopt;
}

void apply(settings& s, std::string_view name, const std::optional<raw>& value, std::vector<error>& errors)
{
  const auto* setting = find(name);
  if (!setting) {
    errors.push_back({std::string(name), "is not a known setting"});
    return;
  }
  if (!value) {
    errors.push_back({std::string(name), "cannot be read as a " +
                                           std::string(setting->type == kind::size ? "size" : "value")});
    return;
  }
  if (auto problem = setting->apply(s, *value); !problem.empty())
    errors.push_back({std::string(name), std::move(problem)});
}

void read_file(const std::string& path, settings& s, std::vector<error>& errors)
{
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    errors.push_back({"", path + ":" + std::to_string(e.source().begin.line) + ":" +
                            std::to_string(e.source().begin.column) + ": " + std::string(e.description())});
    return;
  }
  for (const auto& [section, node] : doc) {
    const auto* t = node.as_table();
    if (!t) {
      errors.push_back({std::string(section.str()), "must be a [section]"});
      continue;
    }
    for (const auto& [key, value] : *t) {
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      std::optional<raw> v;
      const auto* known = find(name);
      if (const auto* str = value.as_string())
        v = known && known->type == kind::size ? from_text(kind::size, str->get()) : raw{str->get()};
      else if (const auto* i = value.as_integer())
        v = raw{i->get()};
      else if (const auto* b = value.as_boolean())
        v = raw{std::string(b->get() ? "true" : "false")};
      else if (const auto* arr = value.as_array()) {
        std::vector<std::string> items;
        bool all_strings = true;
        for (const auto& item : *arr)
          if (const auto* is = item.as_string())
            items.push_back(is->get());
          else
            all_strings = false;
        if (all_strings)
          v = raw{items};
      }
      apply(s, name, v, errors);
    }
  }
}

} // namespace

load_result load(const sources& from)
{
  load_result out;
  if (from.file)
    read_file(*from.file, out.values, out.errors);
  for (const auto& s : detail::table())
    if (const auto it = from.environment.find(env_name(s.name)); it != from.environment.end())
      apply(out.values, s.name, from_text(s.type, it->second), out.errors);
  for (const auto& o : from.overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) {
      out.errors.push_back({o, "--set needs section.key=value"});
      continue;
    }
    const auto name = o.substr(0, eq);
    const auto* s = find(name);
    apply(out.values, name, s ? from_text(s->type, o.substr(eq + 1)) : std::optional<raw>{}, out.errors);
  }
  if (out.errors.empty())
    detail::check(out.values, from.environment, out.errors);
  return out;
}

std::map<std::string, std::string> process_environment()
{
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos)
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

} // namespace weshopd::config
