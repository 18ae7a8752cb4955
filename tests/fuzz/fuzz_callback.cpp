// Hostile callbacks: the callback listener's route and what it reads from a
// request (the job id and token from the path, the client from forwarding
// headers), plus the constant-time token check.
#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "http/forwarded.hpp"
#include "http/request_rules.hpp"
#include "http/router.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const auto routes = [] {
    weshopd::http::router<int> r;
    r.add("POST", "/callbacks/weshop/{id}/{token}", 0);
    return r;
  }();
  static const std::vector<std::string> proxies{"127.0.0.1", "::1"};
  auto parsed = weshopd::http::parse_request({reinterpret_cast<const char*>(data), size}, 8192, 65536);
  if (!parsed.request)
    return 0;
  auto& req = *parsed.request;
  req.remote = size % 2 ? "127.0.0.1" : "203.0.113.9";
  (void)weshopd::http::client_address(req, proxies);
  const auto m = routes.find(req.method, req.path);
  if (m.handler) {
    (void)weshopd::looks_like_uuid(m.params.at("id"));
    (void)weshopd::constant_time_equal(weshopd::sha256_hex(m.params.at("token")), std::string(64, '0'));
  }
  return 0;
}
