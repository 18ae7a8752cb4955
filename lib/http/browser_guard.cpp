#include "http/browser_guard.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace weshopd::http {

namespace {

std::string lower(std::string_view s)
{
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_ip_literal(const std::string& host)
{
  unsigned char addr[16];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

bool all_digits(std::string_view s)
{
  return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_safe_method(std::string_view method)
{
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

} // namespace

std::string media_type(std::string_view content_type)
{
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  return lower(type);
}

std::optional<std::string> host_of(std::string_view h)
{
  if (h.empty())
    return std::nullopt;
  std::string_view host = h;
  std::string_view port;
  if (h.front() == '[') {
    const auto close = h.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = h.substr(1, close - 1);
    const auto rest = h.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !all_digits(rest.substr(1))))
      return std::nullopt;
    auto ip = std::string(host);
    unsigned char addr[16];
    if (inet_pton(AF_INET6, ip.c_str(), addr) != 1)
      return std::nullopt;
    return lower(host);
  }
  if (const auto colon = h.rfind(':'); colon != std::string_view::npos) {
    host = h.substr(0, colon);
    port = h.substr(colon + 1);
    if (!all_digits(port))
      return std::nullopt;
  }
  if (host.empty() || host.size() > 253)
    return std::nullopt;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return std::nullopt;
  return lower(host);
}

browser_guard::browser_guard(std::vector<std::string> names)
{
  for (const auto& n : names)
    names_.push_back(lower(n));
  names_.push_back("localhost");
}

bool browser_guard::host_allowed(std::string_view host_header) const
{
  const auto host = host_of(host_header);
  if (!host)
    return false;
  if (is_ip_literal(*host))
    return true;
  auto name = *host;
  if (name.ends_with('.')) // "localhost." is the same name
    name.pop_back();
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::optional<refusal> browser_guard::check(const incoming& req, bool over_unix_socket) const
{
  const auto host = req.header_value("Host");
  if (!over_unix_socket && !host_allowed(host))
    return refusal{421, "host_not_allowed",
                   "this weshopd does not answer to the name in the Host header (api.allowed_hosts)"};
  if (is_safe_method(req.method))
    return std::nullopt;

  const auto origin = req.header_value("Origin");
  const auto fetch_site = lower(req.header_value("Sec-Fetch-Site"));
  const bool from_browser = !origin.empty() || !fetch_site.empty();
  if (!from_browser)
    return std::nullopt;
  if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none")
    return refusal{403, "cross_origin_refused", "a request from another site may not change anything here"};
  if (!origin.empty() && lower(origin) != "http://" + lower(host))
    return refusal{403, "cross_origin_refused", "a request from another origin may not change anything here"};
  const auto type = media_type(req.header_value("Content-Type"));
  if (type != "application/json" && !type.starts_with("image/"))
    return refusal{403, "cross_origin_refused",
                   "a browser's request that changes something must be application/json (or an image upload)"};
  return std::nullopt;
}

} // namespace weshopd::http
