#include "http/origin.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace weshopd::http {

std::string origin::to_string() const
{
  const bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out = scheme + "://" + (ipv6 ? "[" + host + "]" : host);
  if (!default_port)
    out += ":" + std::to_string(port);
  return out;
}

std::optional<origin> origin_of(std::string_view url)
{
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_userinfo())
    return std::nullopt;
  origin o;
  if (u->scheme_id() == boost::urls::scheme::https)
    o.scheme = "https";
  else if (u->scheme_id() == boost::urls::scheme::http)
    o.scheme = "http";
  else
    return std::nullopt;

  switch (u->host_type()) {
  case boost::urls::host_type::name: o.host = u->host(); break;
  case boost::urls::host_type::ipv4: o.host = u->host_address(); break;
  case boost::urls::host_type::ipv6: o.host = u->host_address(); break;
  default: return std::nullopt;
  }
  if (o.host.empty())
    return std::nullopt;
  std::transform(o.host.begin(), o.host.end(), o.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  if (u->has_port()) {
    const auto port = u->port();
    unsigned long value = 0;
    for (char c : port)
      value = value * 10 + static_cast<unsigned long>(c - '0'); // the grammar admits digits only
    if (port.empty() || port.size() > 5 || value == 0 || value > 65535)
      return std::nullopt;
    o.port = static_cast<std::uint16_t>(value);
  } else {
    o.port = o.tls() ? 443 : 80;
  }
  return o;
}

bool origin::host_is_address() const
{
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

} // namespace weshopd::http
