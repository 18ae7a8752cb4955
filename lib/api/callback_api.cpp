#include "api/callback_api.hpp"

#include "api/errors.hpp"
#include "common/log.hpp"
#include "http/forwarded.hpp"

namespace weshopd::api {

callback_api::callback_api(engine::engine& engine, callback_api_options options)
  : engine_(engine), options_(std::move(options))
{
  routes_.add("POST", "/callbacks/weshop/{id}/{token}",
              [this](http::incoming& r) { return weshop_callback(r); });
}

boost::asio::awaitable<http::outgoing> callback_api::handle(http::incoming& req)
{
  co_return co_await dispatch(routes_, req);
}

boost::asio::awaitable<http::outgoing> callback_api::weshop_callback(http::incoming& req)
{
  const auto& id = req.params.at("id");
  const auto& token = req.params.at("token");
  const auto verdict = co_await engine_.callback(id, token);
  const auto client = http::client_address(req, options_.trusted_proxies);
  const std::string_view outcome = verdict == engine::callback_verdict::accepted ? "accepted"
                                   : verdict == engine::callback_verdict::late   ? "late"
                                                                                  : "forged";
  // The job id only when the token proved it: a forger picks the text.
  log(verdict == engine::callback_verdict::forged ? log_level::warning : log_level::info, "callback",
      {{"verdict", std::string(outcome)},
       {"job", verdict == engine::callback_verdict::forged ? std::string("?") : id},
       {"client", client}});
  if (verdict == engine::callback_verdict::forged)
    co_return error_response(404, "not_found", "no such callback");
  http::outgoing out;
  out.status = 204;
  out.content_type.clear();
  co_return out;
}

} // namespace weshopd::api
