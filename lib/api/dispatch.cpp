#include "api/dispatch.hpp"

#include "api/errors.hpp"

namespace weshopd::api {

boost::asio::awaitable<http::outgoing> dispatch(const http::router<route>& routes, http::incoming& req)
{
  auto m = routes.find(req.method, req.path);
  if (!m.handler) {
    if (!m.path_known())
      co_return error_response(404, "not_found", "no such route");
    auto out = error_response(405, "method_not_allowed", "this route does not take " + req.method);
    std::string allow;
    for (const auto& a : m.allow)
      allow += (allow.empty() ? "" : ", ") + a;
    out.headers.push_back({"Allow", allow});
    co_return out;
  }
  req.params = std::move(m.params);
  co_return co_await (*m.handler)(req);
}

} // namespace weshopd::api
