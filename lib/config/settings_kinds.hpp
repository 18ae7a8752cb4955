#pragma once
// Internal to lib/config: how a setting of each kind is made for the table
// (settings_table.cpp): how a value is checked and stored, how two settings
// are compared and one value kept (reloads), and how a value is shown in the
// generated reference (reference.hpp). The table names each key once with
// one of these.

#include "config/settings_table.hpp"

#include <string>
#include <utility>

namespace weshopd::config::detail {

// A value as the reference shows it, in TOML; "" when unset.
std::string shown(const std::string& v);
std::string shown(const std::optional<std::string>& v);
std::string shown(std::uint64_t v);
std::string shown(bool v);
std::string shown(const listen_address& v);
std::string shown(const std::optional<listen_address>& v);
std::string shown(const std::vector<std::string>& v);
std::string shown(const std::vector<http::ip_network>& v);
std::string shown(const std::map<std::string, budget::micros>& v);
std::string shown(const std::optional<budget::micros>& v);

// same/keep/show from the field a setting stores into (one accessor, every use).
template <class T>
setting bound(setting s, std::function<T&(settings&)> field)
{
  s.same = [field](const settings& a, const settings& b) {
    return field(const_cast<settings&>(a)) == field(const_cast<settings&>(b)); // read only
  };
  s.keep = [field](settings& to, const settings& from) { field(to) = field(const_cast<settings&>(from)); };
  if constexpr (requires(const T& v) { shown(v); }) // an enum is shown by its word (choice)
    if (!s.show)
      s.show = [field](const settings& from) { return shown(field(const_cast<settings&>(from))); }; // read only
  return s;
}

// A setting a reload (SIGHUP) applies while the daemon runs.
setting live(setting s);
// What a setting is for, one line for the reference and the man page.
setting about(std::string_view what, setting s);

setting text(std::string_view name, std::function<std::string(settings&, const std::string&)> set);
// Text, or a TOML integer taken as its digits (amounts and hours read well both ways).
setting text_or_integer(std::string_view name, std::string value_type,
                        std::function<std::string(settings&, const std::string&)> set);
// Text that is off when empty; value_type says what it is for the reference ("path", "URL").
setting optional_text(std::string_view name, std::function<std::optional<std::string>&(settings&)> field,
                      std::string value_type = "string");
// "host:port" or "[v6]:port"; the optional one is off until set.
setting address(std::string_view name, std::function<listen_address&(settings&)> field);
setting optional_address(std::string_view name, std::function<std::optional<listen_address>&(settings&)> field);
// Positive whole numbers: sizes take K/M/G suffixes, numbers are plain counts.
setting size(std::string_view name, std::function<std::uint64_t&(settings&)> field);
setting number(std::string_view name, std::function<std::uint64_t&(settings&)> field);
// A whole number where 0 means "off" (jobs.retention_days: keep everything).
setting zero_or_more(std::string_view name, std::string problem, std::function<std::uint64_t&(settings&)> field);
setting list(std::string_view name, std::string_view of_what, std::function<std::vector<std::string>&(settings&)> field);
// IP networks (CIDR); IPv6 has colons, so the environment separates them by commas.
setting network_list(std::string_view name, std::function<std::vector<http::ip_network>&(settings&)> field);
// true/false (TOML booleans; in the environment and flags also 1/0, yes/no, on/off).
setting flag(std::string_view name, std::function<bool&(settings&)> field);
// "name=amount" entries (prices and budgets), parsed here, where they are checked.
setting amounts(std::string_view name, std::string_view of_what,
                std::function<std::map<std::string, budget::micros>&(settings&)> field);

// One of a few words, stored as its enum; "must be a, b or c" otherwise.
template <class E>
setting choice(std::string_view name, std::vector<std::pair<std::string_view, E>> words, std::function<E&(settings&)> field)
{
  std::string problem = "must be ";
  std::string value_type = "one of ";
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string word(words[i].first);
    problem += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + word;
    value_type += (i == 0 ? "" : ", ") + word;
  }
  setting s = text(name, [words, field, problem](settings& to, const std::string& t) {
    for (const auto& [word, value] : words)
      if (t == word) {
        field(to) = value;
        return std::string{};
      }
    return problem;
  });
  s.value_type = value_type;
  s.show = [words, field](const settings& from) {
    for (const auto& [word, value] : words)
      if (field(const_cast<settings&>(from)) == value) // read only
        return "\"" + std::string(word) + "\"";
    return std::string{};
  };
  return bound(std::move(s), field);
}

} // namespace weshopd::config::detail
