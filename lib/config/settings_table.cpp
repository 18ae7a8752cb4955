// The settings table: every key once, with its kind and check (see settings_table.hpp).
#include "config/settings_table.hpp"

#include "budget/budget_policy.hpp"
#include "http/address_policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace weshopd::config::detail {
namespace {

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

// same/keep from the field a setting stores into (one accessor, both uses).
template <class T>
setting bound(setting s, std::function<T&(settings&)> field)
{
  s.same = [field](const settings& a, const settings& b) {
    return field(const_cast<settings&>(a)) == field(const_cast<settings&>(b)); // read only
  };
  s.keep = [field](settings& to, const settings& from) { field(to) = field(const_cast<settings&>(from)); };
  return s;
}

// A setting a reload applies while the daemon runs.
setting live(setting s)
{
  s.live = true;
  return s;
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
  return bound(text(name, [field](settings& s, const std::string& t) {
                 field(s) = t.empty() ? std::nullopt : std::optional(t);
                 return std::string{};
               }),
               field);
}

// A positive integer setting: sizes (which take K/M/G suffixes) and plain counts.
setting positive(std::string_view name, kind type, std::function<std::uint64_t&(settings&)> field)
{
  const std::string problem = type == kind::size
                                ? "must be a positive number of bytes (suffixes K, M, G, KiB, MiB, GiB allowed)"
                                : "must be a positive whole number";
  return bound(setting{name, type, [field, problem](settings& s, const raw& v) -> std::string {
                         const auto* n = std::get_if<std::int64_t>(&v);
                         if (!n || *n <= 0)
                           return problem;
                         field(s) = static_cast<std::uint64_t>(*n);
                         return {};
                       }},
               field);
}

setting size(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::size, std::move(field));
}

setting list(std::string_view name, std::string_view of_what, std::function<std::vector<std::string>&(settings&)> field)
{
  return bound(setting{name, kind::list,
                       [field, problem = "must be a list of " + std::string(of_what)](settings& s, const raw& v) {
                         const auto* items = std::get_if<std::vector<std::string>>(&v);
                         if (!items)
                           return problem;
                         field(s) = *items;
                         return std::string{};
                       }},
               field);
}

// IP networks (IPv6 has colons: the environment separates them by commas),
// parsed here, where they are checked.
setting network_list(std::string_view name, std::function<std::vector<http::ip_network>&(settings&)> field)
{
  return bound(setting{name, kind::comma_list, [field](settings& s, const raw& v) -> std::string {
            const auto* items = std::get_if<std::vector<std::string>>(&v);
            if (!items)
              return "must be a list of IP networks (CIDR), e.g. [\"127.0.0.1/32\", \"::1/128\"]";
            std::string problems;
            std::vector<http::ip_network> networks;
            for (const auto& item : *items)
              if (auto parsed = http::parse_network(item); parsed.network)
                networks.push_back(*parsed.network);
              else
                problems += (problems.empty() ? "" : "; ") + parsed.problem;
            field(s) = std::move(networks);
            return problems;
          }}, field);
}

// true/false (TOML booleans; in the environment and flags also 1/0, yes/no, on/off).
setting flag(std::string_view name, std::function<bool&(settings&)> field)
{
  return bound(text(name, [field](settings& s, const std::string& t) -> std::string {
    if (t == "true" || t == "1" || t == "yes" || t == "on")
      field(s) = true;
    else if (t == "false" || t == "0" || t == "no" || t == "off")
      field(s) = false;
    else
      return "must be true or false";
    return {};
  }), field);
}

setting number(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::number, std::move(field));
}

// A whole number where 0 means "off" (jobs.retention_days: keep everything).
setting zero_or_more(std::string_view name, std::string problem, std::function<std::uint64_t&(settings&)> field)
{
  return bound(setting{name, kind::number, [field, problem](settings& s, const raw& v) -> std::string {
                         const auto* n = std::get_if<std::int64_t>(&v);
                         if (!n || *n < 0)
                           return problem;
                         field(s) = static_cast<std::uint64_t>(*n);
                         return {};
                       }},
               field);
}

// One of a few words, stored as its enum; "must be a, b or c" otherwise.
template <class E>
setting choice(std::string_view name, std::vector<std::pair<std::string_view, E>> words, std::function<E&(settings&)> field)
{
  std::string problem = "must be ";
  for (std::size_t i = 0; i < words.size(); ++i)
    problem += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + std::string(words[i].first);
  return bound(text(name, [words, field, problem](settings& s, const std::string& t) {
    for (const auto& [word, value] : words)
      if (t == word) {
        field(s) = value;
        return std::string{};
      }
    return problem;
  }), field);
}

// "name=amount" entries (prices and budgets): parsed here, where they are
// checked, so the daemon never parses them again.
setting amounts(std::string_view name, std::string_view of_what,
                std::function<std::map<std::string, budget::micros>&(settings&)> field)
{
  return bound(setting{name, kind::list,
                       [field, problem = "must be a list of " + std::string(of_what)](settings& s, const raw& v) {
                         const auto* items = std::get_if<std::vector<std::string>>(&v);
                         if (!items)
                           return problem;
                         std::map<std::string, budget::micros> parsed;
                         auto bad = budget::parse_amounts(*items, parsed);
                         field(s) = std::move(parsed);
                         return bad;
                       }},
               field);
}

} // namespace

// live(...): what a reload (SIGHUP) applies at once. Those are values read
// afresh per request or per connection: tokens, budgets and prices, notify
// defaults, the outbound allow-list, the log level, and the per-request parser
// limits (limits.max_body, limits.max_header). Everything else is kept until a
// restart: listeners, the store, the upstream origin and CA, and whatever was
// sized or built once at start: connection, stream and memory caps (counted
// against as they are held), the engine's concurrency and rates, the breaker,
// the mirror and the notifier's secret and existence, budget.currency (the
// alert sender's unit and the ledger's), budget.alert_url and budget.policy
// (held jobs have their admitter only when it is `hold` at start).
const std::vector<setting>& table()
{
  static const std::vector<setting> all{
    bound<listen_address>(text("api.listen", [](settings& s, const std::string& t) { return parse_listen(t, s.api.listen); }),
                          [](settings& s) -> auto& { return s.api.listen; }),
    optional_text("api.unix_socket", [](settings& s) -> auto& { return s.api.unix_socket; }),
    live(optional_text("api.token_file", [](settings& s) -> auto& { return s.api.token_file; })),
    number("api.heartbeat_seconds", [](settings& s) -> auto& { return s.api.heartbeat_seconds; }),
    list("api.allowed_hosts", "host names", [](settings& s) -> auto& { return s.api.allowed_hosts; }),
    choice<store_backend>("store.backend", {{"sqlite", store_backend::sqlite}, {"postgres", store_backend::postgres}},
                          [](settings& s) -> auto& { return s.store.backend; }),
    optional_text("store.url", [](settings& s) -> auto& { return s.store.url; }),
    optional_text("store.password_file", [](settings& s) -> auto& { return s.store.password_file; }),
    number("store.lease_seconds", [](settings& s) -> auto& { return s.store.lease_seconds; }),
    bound<std::string>(text("store.path",
                            [](settings& s, const std::string& t) {
                              s.store.path = t;
                              return std::string{};
                            }),
                       [](settings& s) -> auto& { return s.store.path; }),
    choice<sqlite_synchronous>("store.synchronous",
                               {{"off", sqlite_synchronous::off},
                                {"normal", sqlite_synchronous::normal},
                                {"full", sqlite_synchronous::full},
                                {"extra", sqlite_synchronous::extra}},
                               [](settings& s) -> auto& { return s.store.synchronous; }),
    optional_text("upstream.test_origin", [](settings& s) -> auto& { return s.upstream.test_origin; }),
    optional_text("upstream.ca_file", [](settings& s) -> auto& { return s.upstream.ca_file; }),
    list("uploads.roots", "directories", [](settings& s) -> auto& { return s.uploads.roots; }),
    optional_text("uploads.dir", [](settings& s) -> auto& { return s.uploads.dir; }),
    size("uploads.max_total_bytes", [](settings& s) -> auto& { return s.uploads.max_total_bytes; }),
    live(size("limits.max_body", [](settings& s) -> auto& { return s.limits.max_body; })),
    live(size("limits.max_header", [](settings& s) -> auto& { return s.limits.max_header; })),
    number("limits.max_connections", [](settings& s) -> auto& { return s.limits.max_connections; }),
    number("limits.max_streams", [](settings& s) -> auto& { return s.limits.max_streams; }),
    size("limits.max_body_memory", [](settings& s) -> auto& { return s.limits.max_body_memory; }),
    bound<std::optional<listen_address>>(text("callbacks.listen",
                                              [](settings& s, const std::string& t) {
                                                listen_address a;
                                                auto problem = parse_listen(t, a);
                                                if (problem.empty())
                                                  s.callbacks.listen = a;
                                                return problem;
                                              }),
                                         [](settings& s) -> auto& { return s.callbacks.listen; }),
    optional_text("callbacks.public_base_url", [](settings& s) -> auto& { return s.callbacks.public_base_url; }),
    number("callbacks.safety_poll_seconds", [](settings& s) -> auto& { return s.callbacks.safety_poll_seconds; }),
    list("callbacks.trusted_proxies", "IP addresses", [](settings& s) -> auto& { return s.callbacks.trusted_proxies; }),
    live(optional_text("notify.url", [](settings& s) -> auto& { return s.notify.url; })),
    live(choice<notify_events>("notify.events", {{"terminal", notify_events::terminal}, {"all", notify_events::all}},
                          [](settings& s) -> auto& { return s.notify.events; })),
    optional_text("notify.secret_file", [](settings& s) -> auto& { return s.notify.secret_file; }),
    flag("results.mirror", [](settings& s) -> auto& { return s.results.mirror; }),
    optional_text("results.dir", [](settings& s) -> auto& { return s.results.dir; }),
    size("results.max_image_bytes", [](settings& s) -> auto& { return s.results.max_image_bytes; }),
    number("results.retention_days", [](settings& s) -> auto& { return s.results.retention_days; }),
    size("results.max_total_bytes", [](settings& s) -> auto& { return s.results.max_total_bytes; }),
    zero_or_more("jobs.retention_days",
                 "must be a whole number of days, 0 or more (0 keeps every job; a negative number is not a retention)",
                 [](settings& s) -> auto& { return s.jobs.retention_days; }),
    live(network_list("outbound.allow", [](settings& s) -> auto& { return s.outbound.allow; })),
    bound<std::string>(text("budget.currency",
                            [](settings& s, const std::string& t) {
                              s.budget.currency = t;
                              return t.empty() ? std::string("must not be empty") : std::string{};
                            }),
                       [](settings& s) -> auto& { return s.budget.currency; }),
    live(amounts("budget.prices", "agent=price entries", [](settings& s) -> auto& { return s.budget.prices; })),
    live(bound<std::optional<budget::micros>>(
      text_or_integer("budget.daily",
                      [](settings& s, const std::string& t) {
                        s.budget.daily = budget::parse_amount(t);
                        return s.budget.daily ? std::string{} : "must be an amount (a number with at most 6 decimals)";
                      }),
      [](settings& s) -> auto& { return s.budget.daily; })),
    live(amounts("budget.per_agent", "agent=amount entries", [](settings& s) -> auto& { return s.budget.per_agent; })),
    live(amounts("budget.per_token", "name=amount entries", [](settings& s) -> auto& { return s.budget.per_token; })),
    live(bound<std::uint64_t>(
      text_or_integer("budget.reset_hour",
                      [](settings& s, const std::string& t) -> std::string {
                        if (t.size() > 2 || t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit) || std::stoi(t) > 23)
                          return "must be an hour, 0 to 23";
                        s.budget.reset_hour = static_cast<std::uint64_t>(std::stoi(t));
                        return {};
                      }),
      [](settings& s) -> auto& { return s.budget.reset_hour; })),
    choice<budget::over_budget>("budget.policy",
                                {{"reject", budget::over_budget::reject}, {"hold", budget::over_budget::hold}},
                                [](settings& s) -> auto& { return s.budget.policy; }),
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
    live(choice<log_level>("log.level",
                           {{"debug", log_level::debug},
                            {"info", log_level::info},
                            {"warning", log_level::warning},
                            {"error", log_level::error}},
                           [](settings& s) -> auto& { return s.log.level; })),
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

} // namespace weshopd::config::detail

namespace weshopd::config {

std::vector<std::string> known_keys()
{
  std::vector<std::string> keys;
  for (const auto& s : detail::table())
    keys.emplace_back(s.name);
  return keys;
}

} // namespace weshopd::config
