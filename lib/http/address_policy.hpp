#pragma once
// Which IP addresses weshopd's own outbound requests (local webhooks, budget
// alerts, result mirroring, weshopctl download) may connect to: public
// (global) addresses always; loopback, link-local, private, shared (CGNAT),
// ULA, multicast, broadcast, reserved and unspecified ones only inside a
// network the operator allowed (outbound.allow). So a URL a local client
// gives cannot reach the daemon's own host or network (SSRF).
//
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as its IPv4 address,
// both when classified and when matched against the allowed networks.
// No I/O. Copies of one policy share its list of allowed networks, so that a
// reload (outbound.allow) reaches every client holding a copy: reallow()
// replaces it for all of them, each check reads one snapshot. Thread-safe.

#include "common/live.hpp"

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::http {

enum class address_class {
  global,
  loopback,     // 127/8, ::1
  link_local,   // 169.254/16, fe80::/10
  private_use,  // 10/8, 172.16/12, 192.168/16
  shared,       // 100.64/10 (carrier-grade NAT)
  unique_local, // fc00::/7
  multicast,    // 224/4, ff00::/8
  broadcast,    // 255.255.255.255
  unspecified,  // 0/8, ::
  reserved,     // 240/4, IPv4-compatible ::a.b.c.d
};

std::string_view to_string(address_class c);

// The address with an IPv4-mapped IPv6 one turned into its IPv4 address.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

address_class classify(const boost::asio::ip::address& a);

// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128"; a bare address is one host).
struct ip_network {
  boost::asio::ip::address base; // host bits zero
  unsigned prefix = 0;

  bool contains(const boost::asio::ip::address& a) const;
  std::string to_string() const;
  friend bool operator==(const ip_network&, const ip_network&) = default;
};

// The network, or what is wrong with the text (bad address, prefix out of
// range, bits set beyond the prefix).
struct network_parse {
  std::optional<ip_network> network;
  std::string problem;
};
network_parse parse_network(std::string_view text);

class address_policy {
public:
  address_policy() : address_policy(std::vector<ip_network>{}) {} // public addresses only
  explicit address_policy(std::vector<ip_network> allowed)
    : allowed_(std::make_shared<common::live<std::vector<ip_network>>>(std::move(allowed)))
  {
  }

  // Parses every entry; throws std::invalid_argument naming the first bad one.
  static address_policy from_strings(const std::vector<std::string>& networks);

  bool allows(const boost::asio::ip::address& a) const;
  std::vector<ip_network> allowed() const { return *allowed_->load(); }
  // A reload: this policy and every copy of it allow `networks` from now on.
  void reallow(std::vector<ip_network> networks) const { allowed_->store(std::move(networks)); }

private:
  std::shared_ptr<common::live<std::vector<ip_network>>> allowed_;
};

} // namespace weshopd::http
