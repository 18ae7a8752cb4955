#include "config/config.hpp"
#include "config/directory_check.hpp"

#include "budget/budget_policy.hpp"
#include "http/address_policy.hpp"
#include "http/browser_guard.hpp"
#include "http/origin.hpp"

#include <toml++/toml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>
#include <unistd.h>
#include <variant>

extern char** environ;

namespace weshopd::config {
namespace {

namespace fs = std::filesystem;

// A value as a source gave it: TOML keeps its type, env and flags give text.
using raw = std::variant<std::string, std::int64_t, std::vector<std::string>>;
enum class kind { text, size, list, comma_list, number };

struct setting {
  std::string_view name; // "section.key"
  kind type;
  std::function<std::string(settings&, const raw&)> apply; // "" or what is wrong
};

std::string parse_listen(const std::string& text, listen_address& out)
{
  // "host:port", "[v6]:port"
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "must be host:port, e.g. 127.0.0.1:8787";
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 || host.empty())
    return "must be host:port with a port from 0 to 65535";
  out = {host, static_cast<std::uint16_t>(port)};
  return {};
}

const std::string* as_text(const raw& v)
{
  return std::get_if<std::string>(&v);
}

setting text(std::string_view name, std::function<std::string(settings&, const std::string&)> set)
{
  return {name, kind::text, [set](settings& s, const raw& v) -> std::string {
            const auto* t = as_text(v);
            if (!t)
              return "must be a string";
            return set(s, *t);
          }};
}

// Text, or a TOML integer taken as its digits (amounts and hours read well both ways).
setting text_or_integer(std::string_view name, std::function<std::string(settings&, const std::string&)> set)
{
  return {name, kind::text, [set](settings& s, const raw& v) -> std::string {
            if (const auto* n = std::get_if<std::int64_t>(&v))
              return set(s, std::to_string(*n));
            const auto* t = as_text(v);
            if (!t)
              return "must be a string or a whole number";
            return set(s, *t);
          }};
}

setting optional_text(std::string_view name, std::function<std::optional<std::string>&(settings&)> field)
{
  return text(name, [field](settings& s, const std::string& t) {
    field(s) = t.empty() ? std::nullopt : std::optional(t);
    return std::string{};
  });
}

// A positive integer setting: sizes (which take K/M/G suffixes) and plain counts.
setting positive(std::string_view name, kind type, std::function<std::uint64_t&(settings&)> field)
{
  const std::string problem = type == kind::size
                                ? "must be a positive number of bytes (suffixes K, M, G, KiB, MiB, GiB allowed)"
                                : "must be a positive whole number";
  return {name, type, [field, problem](settings& s, const raw& v) -> std::string {
            const auto* n = std::get_if<std::int64_t>(&v);
            if (!n || *n <= 0)
              return problem;
            field(s) = static_cast<std::uint64_t>(*n);
            return {};
          }};
}

setting size(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::size, std::move(field));
}

setting list(std::string_view name, std::string_view of_what, std::function<std::vector<std::string>&(settings&)> field)
{
  return {name, kind::list, [field, problem = "must be a list of " + std::string(of_what)](settings& s, const raw& v) {
            const auto* items = std::get_if<std::vector<std::string>>(&v);
            if (!items)
              return problem;
            field(s) = *items;
            return std::string{};
          }};
}

// IP networks (IPv6 has colons: the environment separates them by commas).
setting network_list(std::string_view name, std::function<std::vector<std::string>&(settings&)> field)
{
  return {name, kind::comma_list, [field](settings& s, const raw& v) -> std::string {
            const auto* items = std::get_if<std::vector<std::string>>(&v);
            if (!items)
              return "must be a list of IP networks (CIDR), e.g. [\"127.0.0.1/32\", \"::1/128\"]";
            std::string problems;
            for (const auto& item : *items)
              if (auto parsed = http::parse_network(item); !parsed.network)
                problems += (problems.empty() ? "" : "; ") + parsed.problem;
            field(s) = *items;
            return problems;
          }};
}

// true/false (TOML booleans; in the environment and flags also 1/0, yes/no, on/off).
setting flag(std::string_view name, std::function<bool&(settings&)> field)
{
  return text(name, [field](settings& s, const std::string& t) -> std::string {
    if (t == "true" || t == "1" || t == "yes" || t == "on")
      field(s) = true;
    else if (t == "false" || t == "0" || t == "no" || t == "off")
      field(s) = false;
    else
      return "must be true or false";
    return {};
  });
}

setting number(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::number, std::move(field));
}

const std::vector<setting>& table()
{
  static const std::vector<setting> all{
    text("api.listen", [](settings& s, const std::string& t) { return parse_listen(t, s.api.listen); }),
    optional_text("api.unix_socket", [](settings& s) -> auto& { return s.api.unix_socket; }),
    optional_text("api.token_file", [](settings& s) -> auto& { return s.api.token_file; }),
    number("api.heartbeat_seconds", [](settings& s) -> auto& { return s.api.heartbeat_seconds; }),
    list("api.allowed_hosts", "host names", [](settings& s) -> auto& { return s.api.allowed_hosts; }),
    text("store.backend",
         [](settings& s, const std::string& t) -> std::string {
           if (t != "sqlite" && t != "postgres")
             return "must be sqlite or postgres";
           s.store.backend = t;
           return {};
         }),
    optional_text("store.url", [](settings& s) -> auto& { return s.store.url; }),
    optional_text("store.password_file", [](settings& s) -> auto& { return s.store.password_file; }),
    number("store.lease_seconds", [](settings& s) -> auto& { return s.store.lease_seconds; }),
    text("store.path", [](settings& s, const std::string& t) {
      s.store.path = t;
      return std::string{};
    }),
    text("store.synchronous",
         [](settings& s, const std::string& t) -> std::string {
           static const std::vector<std::string> modes{"off", "normal", "full", "extra"};
           if (std::find(modes.begin(), modes.end(), t) == modes.end())
             return "must be off, normal, full or extra";
           s.store.synchronous = t;
           return {};
         }),
    optional_text("upstream.test_origin", [](settings& s) -> auto& { return s.upstream.test_origin; }),
    optional_text("upstream.ca_file", [](settings& s) -> auto& { return s.upstream.ca_file; }),
    list("uploads.roots", "directories", [](settings& s) -> auto& { return s.uploads.roots; }),
    optional_text("uploads.dir", [](settings& s) -> auto& { return s.uploads.dir; }),
    size("uploads.max_total_bytes", [](settings& s) -> auto& { return s.uploads.max_total_bytes; }),
    size("limits.max_body", [](settings& s) -> auto& { return s.limits.max_body; }),
    size("limits.max_header", [](settings& s) -> auto& { return s.limits.max_header; }),
    number("limits.max_connections", [](settings& s) -> auto& { return s.limits.max_connections; }),
    number("limits.max_streams", [](settings& s) -> auto& { return s.limits.max_streams; }),
    size("limits.max_body_memory", [](settings& s) -> auto& { return s.limits.max_body_memory; }),
    text("callbacks.listen",
         [](settings& s, const std::string& t) {
           listen_address a;
           auto problem = parse_listen(t, a);
           if (problem.empty())
             s.callbacks.listen = a;
           return problem;
         }),
    optional_text("callbacks.public_base_url", [](settings& s) -> auto& { return s.callbacks.public_base_url; }),
    number("callbacks.safety_poll_seconds", [](settings& s) -> auto& { return s.callbacks.safety_poll_seconds; }),
    list("callbacks.trusted_proxies", "IP addresses", [](settings& s) -> auto& { return s.callbacks.trusted_proxies; }),
    optional_text("notify.url", [](settings& s) -> auto& { return s.notify.url; }),
    text("notify.events",
         [](settings& s, const std::string& t) -> std::string {
           if (t != "terminal" && t != "all")
             return "must be terminal or all";
           s.notify.events = t;
           return {};
         }),
    optional_text("notify.secret_file", [](settings& s) -> auto& { return s.notify.secret_file; }),
    flag("results.mirror", [](settings& s) -> auto& { return s.results.mirror; }),
    optional_text("results.dir", [](settings& s) -> auto& { return s.results.dir; }),
    size("results.max_image_bytes", [](settings& s) -> auto& { return s.results.max_image_bytes; }),
    number("results.retention_days", [](settings& s) -> auto& { return s.results.retention_days; }),
    size("results.max_total_bytes", [](settings& s) -> auto& { return s.results.max_total_bytes; }),
    network_list("outbound.allow", [](settings& s) -> auto& { return s.outbound.allow; }),
    text("budget.currency", [](settings& s, const std::string& t) {
      s.budget.currency = t;
      return t.empty() ? std::string("must not be empty") : std::string{};
    }),
    list("budget.prices", "agent=price entries", [](settings& s) -> auto& { return s.budget.prices; }),
    text_or_integer("budget.daily",
                    [](settings& s, const std::string& t) {
                      s.budget.daily = t;
                      return budget::parse_amount(t) ? std::string{} : "must be an amount (a number with at most 6 decimals)";
                    }),
    list("budget.per_agent", "agent=amount entries", [](settings& s) -> auto& { return s.budget.per_agent; }),
    list("budget.per_token", "name=amount entries", [](settings& s) -> auto& { return s.budget.per_token; }),
    text_or_integer("budget.reset_hour",
         [](settings& s, const std::string& t) -> std::string {
           if (t.size() > 2 || t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit) || std::stoi(t) > 23)
             return "must be an hour, 0 to 23";
           s.budget.reset_hour = static_cast<std::uint64_t>(std::stoi(t));
           return {};
         }),
    text("budget.policy",
         [](settings& s, const std::string& t) -> std::string {
           if (t != "reject" && t != "hold")
             return "must be reject or hold";
           s.budget.policy = t;
           return {};
         }),
    optional_text("budget.alert_url", [](settings& s) -> auto& { return s.budget.alert_url; }),
    number("breaker.identical_requests", [](settings& s) -> auto& { return s.breaker.identical_requests; }),
    number("breaker.window_seconds", [](settings& s) -> auto& { return s.breaker.window_seconds; }),
    number("engine.deadline_seconds", [](settings& s) -> auto& { return s.engine.deadline_seconds; }),
    number("engine.poll_initial_ms", [](settings& s) -> auto& { return s.engine.poll_initial_ms; }),
    number("engine.poll_cap_ms", [](settings& s) -> auto& { return s.engine.poll_cap_ms; }),
    number("engine.max_concurrent_polls", [](settings& s) -> auto& { return s.engine.max_concurrent_polls; }),
    number("engine.max_concurrent_submits", [](settings& s) -> auto& { return s.engine.max_concurrent_submits; }),
    number("engine.polls_per_second", [](settings& s) -> auto& { return s.engine.polls_per_second; }),
    number("engine.max_waiting_jobs", [](settings& s) -> auto& { return s.engine.max_waiting_jobs; }),
  };
  return all;
}

const setting* find(std::string_view name)
{
  for (const auto& s : table())
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string env_name(std::string_view name)
{
  std::string out = "WESHOPD_";
  for (char c : name)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

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

// A libpq URI with user:password@, or a key=value string with password=.
bool has_password(const std::string& url)
{
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    const auto rest = url.substr(url.find("://") + 3);
    const auto at = rest.find('@');
    const auto userinfo = rest.substr(0, at == std::string::npos ? 0 : at);
    return userinfo.find(':') != std::string::npos || url.find("password=") != std::string::npos;
  }
  return url.find("password") != std::string::npos;
}

bool readable_file(const std::string& path)
{
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), R_OK) == 0;
}

void check(settings& s, const std::map<std::string, std::string>& env, std::vector<error>& errors)
{
  std::string state_dir;
  if (const auto it = env.find("STATE_DIRECTORY"); it != env.end() && !it->second.empty())
    state_dir = it->second.substr(0, it->second.find(':'));
  if (s.store.backend == "sqlite" && s.store.path.empty()) {
    if (!state_dir.empty())
      s.store.path = state_dir + "/weshopd.db";
    else
      errors.push_back({"store.path", "is required (or run under systemd with StateDirectory=)"});
  }
  if (s.store.backend == "postgres") {
    if (!s.store.url)
      errors.push_back({"store.url", "is required with store.backend = \"postgres\""});
    else if (has_password(*s.store.url))
      errors.push_back({"store.url", "must not hold the password: put it in store.password_file"});
    if (s.store.lease_seconds < 3)
      errors.push_back({"store.lease_seconds", "must be at least 3 (heartbeats come every third of it)"});
    if (s.store.password_file && !readable_file(*s.store.password_file))
      errors.push_back({"store.password_file", *s.store.password_file + " is not a readable file"});
  }
  if (s.results.dir && !fs::path(*s.results.dir).is_absolute())
    errors.push_back({"results.dir", "must be an absolute path"});
  if (!s.results.dir && !s.store.path.empty() && s.store.backend == "sqlite")
    s.results.dir = (fs::absolute(s.store.path).parent_path() / "results").string();
  if (!s.results.dir && !state_dir.empty())
    s.results.dir = state_dir + "/results";
  if (s.uploads.dir && !fs::path(*s.uploads.dir).is_absolute())
    errors.push_back({"uploads.dir", "must be an absolute path"});
  if (!s.uploads.dir && !s.store.path.empty() && s.store.backend == "sqlite")
    s.uploads.dir = (fs::absolute(s.store.path).parent_path() / "uploads").string();
  if (!s.uploads.dir && !state_dir.empty())
    s.uploads.dir = state_dir + "/uploads";
  for (const auto& name : s.api.allowed_hosts)
    if (!http::host_of(name) || name.find(':') != std::string::npos)
      errors.push_back({"api.allowed_hosts", name + " is not a host name (no scheme, no port)"});
  if (s.results.mirror && !s.results.dir)
    errors.push_back({"results.dir", "is required for results.mirror (or run under systemd with StateDirectory=)"});
  if (s.upstream.test_origin) {
    const auto o = http::origin_of(*s.upstream.test_origin);
    if (!o || !o->tls())
      errors.push_back({"upstream.test_origin", "must be an https:// origin"});
    if (!s.upstream.ca_file)
      errors.push_back({"upstream.test_origin", "needs upstream.ca_file: TLS is always verified"});
  }
  if (s.upstream.ca_file && !readable_file(*s.upstream.ca_file))
    errors.push_back({"upstream.ca_file", *s.upstream.ca_file + " is not a readable file"});
  if (s.api.token_file && !readable_file(*s.api.token_file))
    errors.push_back({"api.token_file", *s.api.token_file + " is not a readable file"});
  for (auto& root : s.uploads.roots) {
    std::error_code ec;
    if (!fs::path(root).is_absolute()) {
      errors.push_back({"uploads.roots", root + " is not an absolute path to a directory"});
      continue;
    }
    if (auto problem = unopenable_directory(root); !problem.empty()) {
      errors.push_back({"uploads.roots", problem});
      continue;
    }
    root = fs::canonical(root, ec).string(); // compare resolved paths later
  }
  // Elsewhere an unusable uploads.dir only turns browser uploads off; under
  // /home it is most likely the sandbox, which the operator must hear about.
  for (const auto& [key, dir] : {std::pair{"uploads.dir", s.uploads.dir},
                                 std::pair{"results.dir", s.results.mirror ? s.results.dir : std::nullopt}})
    if (dir && fs::path(*dir).is_absolute() && under_protected_home(*dir))
      if (auto problem = unwritable_directory(*dir); !problem.empty())
        errors.push_back({key, problem});
  if (s.limits.max_header < 1024 || s.limits.max_header > 1024 * 1024)
    errors.push_back({"limits.max_header", "must be between 1 KiB and 1 MiB"});
  if (s.limits.max_body < 1024)
    errors.push_back({"limits.max_body", "must be at least 1 KiB"});
  if (s.limits.max_connections < 2)
    errors.push_back({"limits.max_connections", "must be at least 2"});
  if (s.limits.max_streams < 1 || s.limits.max_streams >= s.limits.max_connections)
    errors.push_back({"limits.max_streams", "must be at least 1 and below limits.max_connections (plain requests need room)"});
  if (s.limits.max_body_memory < s.limits.max_body)
    errors.push_back({"limits.max_body_memory", "must be at least limits.max_body (one request must fit)"});
  if (s.callbacks.public_base_url) {
    // WeShop calls it over the internet, so https; plain http to loopback only
    // in test mode (a simulator calling back on this machine).
    const auto o = http::origin_of(*s.callbacks.public_base_url);
    const bool test_loopback = o && s.upstream.test_origin && (o->host == "127.0.0.1" || o->host == "localhost");
    if (!o || !(o->tls() || test_loopback))
      errors.push_back({"callbacks.public_base_url", "must be an https:// URL (WeShop calls it over the internet)"});
    if (!s.callbacks.listen)
      errors.push_back({"callbacks.listen", "is required when callbacks.public_base_url is set"});
  }
  if (s.notify.url && !http::origin_of(*s.notify.url))
    errors.push_back({"notify.url", "must be an http(s) URL"});
  if (s.notify.url && !s.notify.secret_file)
    errors.push_back({"notify.secret_file", "is required when notify.url is set: notifications are signed"});
  if (s.notify.secret_file && !readable_file(*s.notify.secret_file))
    errors.push_back({"notify.secret_file", *s.notify.secret_file + " is not a readable file"});
  {
    std::map<std::string, budget::micros> amounts;
    for (const auto& [key, entries] : {std::pair{"budget.prices", &s.budget.prices},
                                       std::pair{"budget.per_agent", &s.budget.per_agent},
                                       std::pair{"budget.per_token", &s.budget.per_token}})
      if (auto problem = budget::parse_amounts(*entries, amounts); !problem.empty())
        errors.push_back({key, problem});
    if (s.budget.alert_url && !http::origin_of(*s.budget.alert_url))
      errors.push_back({"budget.alert_url", "must be an http(s) URL"});
  }
  if (s.engine.poll_cap_ms < s.engine.poll_initial_ms)
    errors.push_back({"engine.poll_cap_ms", "must not be below engine.poll_initial_ms"});
  for (const auto& proxy : s.callbacks.trusted_proxies) {
    unsigned char addr[16];
    if (inet_pton(AF_INET, proxy.c_str(), addr) != 1 && inet_pton(AF_INET6, proxy.c_str(), addr) != 1)
      errors.push_back({"callbacks.trusted_proxies", proxy + " is not an IP address"});
  }
  if (s.callbacks.listen && s.callbacks.listen == s.api.listen)
    errors.push_back({"callbacks.listen", "must differ from api.listen: only callbacks may face the proxy"});
}

} // namespace

load_result load(const sources& from)
{
  load_result out;
  if (from.file)
    read_file(*from.file, out.values, out.errors);
  for (const auto& s : table())
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
    check(out.values, from.environment, out.errors);
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

std::vector<std::string> known_keys()
{
  std::vector<std::string> keys;
  for (const auto& s : table())
    keys.emplace_back(s.name);
  return keys;
}

} // namespace weshopd::config
