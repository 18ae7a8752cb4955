// Hostile bytes into the local API's request reading and routing: parse as
// the server does (limits, framing checks), then route as local_api does.
#include "http/request_rules.hpp"
#include "http/router.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const auto routes = [] {
    weshopd::http::router<int> r;
    for (const auto& [method, pattern] : {std::pair{"POST", "/v1/jobs"}, {"GET", "/v1/jobs"}, {"GET", "/v1/jobs/{id}"},
                                          {"POST", "/v1/jobs/{id}/cancel"}, {"GET", "/v1/jobs/{id}/events"},
                                          {"GET", "/v1/events"}, {"GET", "/v1/agents"}, {"GET", "/v1/agents/{name}/info"},
                                          {"GET", "/healthz"}, {"POST", "/callbacks/weshop/{id}/{token}"}})
      r.add(method, pattern, 0);
    return r;
  }();
  const auto parsed = weshopd::http::parse_request({reinterpret_cast<const char*>(data), size}, 4096, 65536);
  if (parsed.request) {
    const auto m = routes.find(parsed.request->method, parsed.request->path);
    (void)m.path_known();
    (void)parsed.request->header_value("Last-Event-ID");
  }
  return 0;
}
