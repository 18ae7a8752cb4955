#include "http/address_policy.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace weshopd::http {

namespace ip = boost::asio::ip;

namespace {

address_class classify_v4(const ip::address_v4& a)
{
  const auto x = a.to_uint();
  const auto in = [x](std::uint32_t base, unsigned prefix) { return (x >> (32 - prefix)) == (base >> (32 - prefix)); };
  if (in(0x00000000, 8))
    return address_class::unspecified; // "this network", 0.0.0.0 included
  if (in(0x7f000000, 8))
    return address_class::loopback;
  if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16))
    return address_class::private_use;
  if (in(0x64400000, 10))
    return address_class::shared;
  if (in(0xa9fe0000, 16))
    return address_class::link_local;
  if (in(0xe0000000, 4))
    return address_class::multicast;
  if (x == 0xffffffff)
    return address_class::broadcast;
  if (in(0xf0000000, 4) || in(0xc0000000, 24) || in(0xc6120000, 15))
    return address_class::reserved; // future use, IETF protocol assignments, benchmarking
  return address_class::global;
}

ip::address_v4 v4_at(const ip::address_v6::bytes_type& b, std::size_t at)
{
  return ip::address_v4({b[at], b[at + 1], b[at + 2], b[at + 3]});
}

address_class classify_v6(const ip::address_v6& a)
{
  const auto b = a.to_bytes();
  if (a.is_unspecified())
    return address_class::unspecified;
  if (a.is_loopback())
    return address_class::loopback;
  bool first_twelve_zero = true;
  for (std::size_t i = 0; i < 12; ++i)
    first_twelve_zero = first_twelve_zero && b[i] == 0;
  if (first_twelve_zero)
    return address_class::reserved; // IPv4-compatible (deprecated)
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return address_class::link_local;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
    return address_class::private_use; // site-local (deprecated)
  if ((b[0] & 0xfe) == 0xfc)
    return address_class::unique_local;
  if (b[0] == 0xff)
    return address_class::multicast;
  // Prefixes that carry an IPv4 address a gateway would connect to: NAT64
  // (64:ff9b::/96) and 6to4 (2002::/16) are judged by it.
  static constexpr std::array<unsigned char, 12> nat64{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(nat64.begin(), nat64.end(), b.begin()))
    return classify_v4(v4_at(b, 12));
  if (b[0] == 0x20 && b[1] == 0x02)
    return classify_v4(v4_at(b, 2));
  return address_class::global;
}

bool same_prefix(const ip::address& a, const ip::address& b, unsigned prefix)
{
  if (a.is_v4() != b.is_v4())
    return false;
  const auto bytes = [](const ip::address& x) {
    std::array<unsigned char, 16> out{};
    if (x.is_v4()) {
      const auto v4 = x.to_v4().to_bytes();
      std::copy(v4.begin(), v4.end(), out.begin());
    } else {
      const auto v6 = x.to_v6().to_bytes();
      std::copy(v6.begin(), v6.end(), out.begin());
    }
    return out;
  };
  const auto x = bytes(a);
  const auto y = bytes(b);
  for (unsigned i = 0; i < prefix / 8; ++i)
    if (x[i] != y[i])
      return false;
  if (prefix % 8 == 0)
    return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - prefix % 8));
  return (x[prefix / 8] & mask) == (y[prefix / 8] & mask);
}

// The address with every bit past `prefix` cleared.
ip::address masked(const ip::address& a, unsigned prefix)
{
  const auto clear = [prefix](auto bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const unsigned first_bit = static_cast<unsigned>(i) * 8;
      if (first_bit >= prefix)
        bytes[i] = 0;
      else if (prefix - first_bit < 8)
        bytes[i] &= static_cast<unsigned char>(0xff << (8 - (prefix - first_bit)));
    }
    return bytes;
  };
  if (a.is_v4())
    return ip::address_v4(clear(a.to_v4().to_bytes()));
  return ip::address_v6(clear(a.to_v6().to_bytes()));
}

} // namespace

std::string_view to_string(address_class c)
{
  switch (c) {
  case address_class::global: return "global";
  case address_class::loopback: return "loopback";
  case address_class::link_local: return "link-local";
  case address_class::private_use: return "private";
  case address_class::shared: return "shared";
  case address_class::unique_local: return "unique-local";
  case address_class::multicast: return "multicast";
  case address_class::broadcast: return "broadcast";
  case address_class::unspecified: return "unspecified";
  case address_class::reserved: return "reserved";
  }
  return "unknown";
}

ip::address unmapped(const ip::address& a)
{
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

address_class classify(const ip::address& a)
{
  const auto u = unmapped(a);
  return u.is_v4() ? classify_v4(u.to_v4()) : classify_v6(u.to_v6());
}

bool ip_network::contains(const ip::address& a) const
{
  return same_prefix(base, unmapped(a), prefix);
}

std::string ip_network::to_string() const
{
  return base.to_string() + "/" + std::to_string(prefix);
}

network_parse parse_network(std::string_view text)
{
  const auto slash = text.find('/');
  const std::string address_text(text.substr(0, slash));
  boost::system::error_code ec;
  auto address = ip::make_address(address_text, ec);
  if (ec || (address.is_v6() && address.to_v6().scope_id() != 0))
    return {std::nullopt, std::string(text) + " is not an IPv4 or IPv6 network (address/prefix)"};
  unsigned max = address.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, pec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || pec != std::errc{} || end != digits.data() + digits.size() || prefix > max)
      return {std::nullopt, std::string(text) + " has no prefix length from 0 to " + std::to_string(max)};
  }
  if (address.is_v6() && address.to_v6().is_v4_mapped() && prefix >= 96) { // matched as IPv4
    address = unmapped(address);
    prefix -= 96;
  }
  if (masked(address, prefix) != address)
    return {std::nullopt, std::string(text) + " has bits set beyond its prefix (did you mean " +
                            masked(address, prefix).to_string() + "/" + std::to_string(prefix) + "?)"};
  return {ip_network{address, prefix}, {}};
}

address_policy address_policy::from_strings(const std::vector<std::string>& networks)
{
  std::vector<ip_network> allowed;
  for (const auto& text : networks) {
    auto parsed = parse_network(text);
    if (!parsed.network)
      throw std::invalid_argument(parsed.problem);
    allowed.push_back(*parsed.network);
  }
  return address_policy(std::move(allowed));
}

bool address_policy::allows(const ip::address& a) const
{
  if (classify(a) == address_class::global)
    return true;
  const auto allowed = allowed_->load();
  for (const auto& n : *allowed)
    if (n.contains(a))
      return true;
  return false;
}

} // namespace weshopd::http
