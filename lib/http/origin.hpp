#pragma once
// The origin of a URL (RFC 6454): scheme, host and port, normalised (lower
// case, default port filled in). Two URLs may share a credential only when
// their origins are equal.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weshopd::http {

struct origin {
  std::string scheme; // "http" or "https"
  std::string host;   // lower case; an IP literal without brackets
  std::uint16_t port = 0;

  std::string to_string() const; // "https://openapi.weshop.ai" (port only when not the default)
  bool tls() const { return scheme == "https"; }
  bool host_is_address() const; // an IP literal (TLS sends no SNI for it)
  friend bool operator==(const origin&, const origin&) = default;
};

// The origin of an absolute http(s) URL; nullopt for anything else
// (other schemes, no host, user-info, a bad port).
std::optional<origin> origin_of(std::string_view url);

} // namespace weshopd::http
