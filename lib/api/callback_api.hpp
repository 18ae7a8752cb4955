#pragma once
// The callback listener's one route, the only thing a reverse proxy exposes:
//   POST /callbacks/weshop/{job id}/{token}
// A callback is a hint. The answer (204 for the job's own token, 404
// otherwise) comes at once, before any upstream call; the engine re-fetches
// the run later, coalescing bursts. The body is never believed. Other methods
// get 405, other paths 404. Tokens never reach a log line.

#include "api/dispatch.hpp"
#include "engine/engine.hpp"

#include <string>
#include <vector>

namespace weshopd::api {

struct callback_api_options {
  std::vector<std::string> trusted_proxies{}; // whose X-Forwarded-For / Forwarded to believe (logs)
};

class callback_api {
public:
  callback_api(engine::engine& engine, callback_api_options options);

  boost::asio::awaitable<http::outgoing> handle(http::incoming& req);

private:
  boost::asio::awaitable<http::outgoing> weshop_callback(http::incoming& req);

  engine::engine& engine_;
  callback_api_options options_;
  http::router<route> routes_;
};

} // namespace weshopd::api
