// How a setting of each kind is read, checked, stored and shown (see settings_kinds.hpp).
#include "config/settings_kinds.hpp"

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

const std::string* as_text(const raw& v)
{
  return std::get_if<std::string>(&v);
}

std::string quoted(const std::string& v)
{
  std::string out = "\"";
  for (char c : v)
    out += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
  return out + "\"";
}

template <class Items, class Show>
std::string toml_array(const Items& items, Show show)
{
  std::string out = "[";
  for (const auto& item : items)
    out += (out.size() == 1 ? "" : ", ") + quoted(show(item));
  return out + "]";
}

// A positive integer setting: sizes (which take K/M/G suffixes) and plain counts.
setting positive(std::string_view name, kind type, std::function<std::uint64_t&(settings&)> field)
{
  const std::string problem = type == kind::size
                                ? "must be a positive number of bytes (suffixes K, M, G, KiB, MiB, GiB allowed)"
                                : "must be a positive whole number";
  setting s{name, type, [field, problem](settings& to, const raw& v) -> std::string {
              const auto* n = std::get_if<std::int64_t>(&v);
              if (!n || *n <= 0)
                return problem;
              field(to) = static_cast<std::uint64_t>(*n);
              return {};
            }};
  s.value_type = type == kind::size ? "size in bytes" : "positive whole number";
  return bound(std::move(s), field);
}

} // namespace

std::string shown(const std::string& v) { return v.empty() ? std::string{} : quoted(v); }
std::string shown(const std::optional<std::string>& v) { return v ? quoted(*v) : std::string{}; }
std::string shown(std::uint64_t v) { return std::to_string(v); }
std::string shown(bool v) { return v ? "true" : "false"; }

std::string shown(const listen_address& v)
{
  const bool v6 = v.host.find(':') != std::string::npos;
  return quoted((v6 ? "[" + v.host + "]" : v.host) + ":" + std::to_string(v.port));
}

std::string shown(const std::optional<listen_address>& v) { return v ? shown(*v) : std::string{}; }

std::string shown(const std::vector<std::string>& v)
{
  return toml_array(v, [](const std::string& item) { return item; });
}

std::string shown(const std::vector<http::ip_network>& v)
{
  return toml_array(v, [](const http::ip_network& n) { return n.to_string(); });
}

std::string shown(const std::map<std::string, budget::micros>& v)
{
  return toml_array(v, [](const auto& entry) { return entry.first + "=" + budget::format_amount(entry.second); });
}

// A whole amount as a TOML integer, else as a string ("1.5"; TOML floats are not amounts).
std::string shown(const std::optional<budget::micros>& v)
{
  if (!v)
    return {};
  const auto text = budget::format_amount(*v);
  return *v % budget::one_unit == 0 ? text : quoted(text);
}

setting live(setting s)
{
  s.live = true;
  return s;
}

setting about(std::string_view what, setting s)
{
  s.about = what;
  return s;
}

setting text(std::string_view name, std::function<std::string(settings&, const std::string&)> set)
{
  setting s{name, kind::text, [set](settings& to, const raw& v) -> std::string {
              const auto* t = as_text(v);
              if (!t)
                return "must be a string";
              return set(to, *t);
            }};
  s.value_type = "string";
  return s;
}

setting text_or_integer(std::string_view name, std::string value_type,
                        std::function<std::string(settings&, const std::string&)> set)
{
  setting s{name, kind::text, [set](settings& to, const raw& v) -> std::string {
              if (const auto* n = std::get_if<std::int64_t>(&v))
                return set(to, std::to_string(*n));
              const auto* t = as_text(v);
              if (!t)
                return "must be a string or a whole number";
              return set(to, *t);
            }};
  s.value_type = std::move(value_type);
  return s;
}

setting optional_text(std::string_view name, std::function<std::optional<std::string>&(settings&)> field,
                      std::string value_type)
{
  setting s = text(name, [field](settings& to, const std::string& t) {
    field(to) = t.empty() ? std::nullopt : std::optional(t);
    return std::string{};
  });
  s.value_type = std::move(value_type);
  return bound(std::move(s), field);
}

setting address(std::string_view name, std::function<listen_address&(settings&)> field)
{
  setting s = text(name, [field](settings& to, const std::string& t) { return parse_listen(t, field(to)); });
  s.value_type = "host:port";
  return bound(std::move(s), field);
}

setting optional_address(std::string_view name, std::function<std::optional<listen_address>&(settings&)> field)
{
  setting s = text(name, [field](settings& to, const std::string& t) {
    listen_address a;
    auto problem = parse_listen(t, a);
    if (problem.empty())
      field(to) = a;
    return problem;
  });
  s.value_type = "host:port";
  return bound(std::move(s), field);
}

setting size(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::size, std::move(field));
}

setting number(std::string_view name, std::function<std::uint64_t&(settings&)> field)
{
  return positive(name, kind::number, std::move(field));
}

setting zero_or_more(std::string_view name, std::string problem, std::function<std::uint64_t&(settings&)> field)
{
  setting s{name, kind::number, [field, problem](settings& to, const raw& v) -> std::string {
              const auto* n = std::get_if<std::int64_t>(&v);
              if (!n || *n < 0)
                return problem;
              field(to) = static_cast<std::uint64_t>(*n);
              return {};
            }};
  s.value_type = "whole number, 0 or more";
  return bound(std::move(s), field);
}

setting list(std::string_view name, std::string_view of_what, std::function<std::vector<std::string>&(settings&)> field)
{
  setting s{name, kind::list, [field, problem = "must be a list of " + std::string(of_what)](settings& to, const raw& v) {
              const auto* items = std::get_if<std::vector<std::string>>(&v);
              if (!items)
                return problem;
              field(to) = *items;
              return std::string{};
            }};
  s.value_type = "list of " + std::string(of_what);
  return bound(std::move(s), field);
}

setting network_list(std::string_view name, std::function<std::vector<http::ip_network>&(settings&)> field)
{
  setting s{name, kind::comma_list, [field](settings& to, const raw& v) -> std::string {
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
              field(to) = std::move(networks);
              return problems;
            }};
  s.value_type = "list of CIDR networks";
  return bound(std::move(s), field);
}

setting flag(std::string_view name, std::function<bool&(settings&)> field)
{
  setting s = text(name, [field](settings& to, const std::string& t) -> std::string {
    if (t == "true" || t == "1" || t == "yes" || t == "on")
      field(to) = true;
    else if (t == "false" || t == "0" || t == "no" || t == "off")
      field(to) = false;
    else
      return "must be true or false";
    return {};
  });
  s.value_type = "true or false";
  return bound(std::move(s), field);
}

setting amounts(std::string_view name, std::string_view of_what,
                std::function<std::map<std::string, budget::micros>&(settings&)> field)
{
  setting s{name, kind::list, [field, problem = "must be a list of " + std::string(of_what)](settings& to, const raw& v) {
              const auto* items = std::get_if<std::vector<std::string>>(&v);
              if (!items)
                return problem;
              std::map<std::string, budget::micros> parsed;
              auto bad = budget::parse_amounts(*items, parsed);
              field(to) = std::move(parsed);
              return bad;
            }};
  s.value_type = "list of " + std::string(of_what);
  return bound(std::move(s), field);
}

} // namespace weshopd::config::detail
