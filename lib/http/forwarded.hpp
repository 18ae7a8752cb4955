#pragma once
// Who sent a request that came through a reverse proxy, for logs.
// X-Forwarded-For and Forwarded (RFC 7239) are believed only when the peer is
// a configured proxy, and then only as far back as the chain stays within
// configured proxies: anyone can write these headers, so the first address
// not added by a trusted proxy is the client.

#include "http/message.hpp"

#include <string>
#include <vector>

namespace weshopd::http {

// The client's address: the peer itself unless the peer is in `trusted_proxies`.
std::string client_address(const incoming& req, const std::vector<std::string>& trusted_proxies);

} // namespace weshopd::http
