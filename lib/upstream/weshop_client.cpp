#include "upstream/weshop_client.hpp"

#include "common/image_type.hpp"
#include "http/origin.hpp"
#include "http/retry_after.hpp"
#include "metrics/registry.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/url.hpp>

#include <stdexcept>

namespace weshopd::upstream {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

upstream_error local_error(std::string message)
{
  upstream_error e;
  e.kind = error_kind::local;
  e.maybe_sent = false;
  e.message = std::move(message);
  return e;
}

upstream_error parse_error(unsigned status, std::string message)
{
  upstream_error e;
  e.kind = error_kind::parse;
  e.maybe_sent = true;
  e.http_status = status;
  e.message = std::move(message);
  return e;
}

std::string checked_api_origin(const weshop_client_options& options)
{
  if (!options.test_origin)
    return std::string(weshop_origin);
  const auto o = http::origin_of(*options.test_origin);
  if (!o || !o->tls())
    throw std::invalid_argument("upstream.test_origin must be an https:// origin");
  if (options.ca_file.empty())
    throw std::invalid_argument("upstream.test_origin needs upstream.ca_file (TLS is always verified)");
  return o->to_string();
}

http::client_options with_ca(http::client_options options, const std::string& ca_file)
{
  if (!ca_file.empty())
    options.ca_file = ca_file;
  return options;
}

std::string_view kind_name(error_kind k)
{
  switch (k) {
  case error_kind::transport: return "transport";
  case error_kind::http_status: return "http_status";
  case error_kind::api: return "api_error";
  case error_kind::parse: return "parse";
  case error_kind::local: return "local";
  }
  return "unknown";
}

// status "0": no HTTP answer (refused locally, or the connection failed).
void count_request(std::string_view endpoint, unsigned status, std::string_view outcome,
                   std::chrono::steady_clock::duration took)
{
  auto& m = metrics::process_registry();
  m.counter_of("weshopd_upstream_requests_total", "Requests to the WeShop API, by endpoint, HTTP status and outcome.",
               {{"endpoint", std::string(endpoint)}, {"status", std::to_string(status)}, {"outcome", std::string(outcome)}})
    .add();
  m.histogram_of("weshopd_upstream_request_duration_seconds", "Time from sending a WeShop request to its answer.",
                 {{"endpoint", std::string(endpoint)}}, metrics::latency_buckets())
    .observe(std::chrono::duration<double>(took).count());
}

} // namespace

weshop_client::weshop_client(asio::any_io_executor executor, api_key key, weshop_client_options options)
  : key_(std::move(key)), api_origin_(checked_api_origin(options)),
    http_(std::move(executor), with_ca(std::move(options.http), options.ca_file))
{
}

asio::awaitable<outcome<weshop::envelope>> weshop_client::call(std::string_view endpoint, http::request req)
{
  const auto started = std::chrono::steady_clock::now();
  unsigned status = 0;
  auto r = co_await exchange(std::move(req), status);
  count_request(endpoint, status, r ? std::string_view("ok") : kind_name(r.error().kind),
                std::chrono::steady_clock::now() - started);
  const bool trouble = !r && (r.error().kind == error_kind::transport || r.error().kind == error_kind::parse ||
                              status >= 500 || status == 429);
  if (trouble) {
    health_.last_trouble = now_ms();
    health_.last_trouble_message = r.error().message;
    ++health_.troubles_in_a_row;
  } else if (r || r.error().kind != error_kind::local) {
    health_.last_ok = now_ms();
    health_.troubles_in_a_row = 0;
  }
  co_return r;
}

asio::awaitable<outcome<weshop::envelope>> weshop_client::exchange(http::request req, unsigned& status)
{
  // The one place the key is attached, and only for the API origin itself.
  if (const auto o = http::origin_of(req.url); o && o->to_string() == api_origin_ && !key_.empty())
    req.headers.push_back({"Authorization", std::string(key_.reveal())});
  req.headers.push_back({"Accept", "application/json"});

  auto r = co_await http_.fetch(std::move(req));
  if (!r && r.failure != http::failure_kind::redirect) {
    upstream_error e;
    e.kind = error_kind::transport;
    e.maybe_sent = r.maybe_sent;
    e.transport = r.failure;
    e.message = std::move(r.message);
    co_return e;
  }

  status = r.resp.status;
  std::optional<std::chrono::seconds> retry_after;
  if (const auto v = r.resp.header_value("Retry-After"); !v.empty())
    retry_after = http::parse_retry_after(v);

  if (r.failure == http::failure_kind::redirect) {
    upstream_error e;
    e.kind = error_kind::http_status;
    e.http_status = status;
    e.message = "WeShop answered with a redirect (" + std::to_string(status) + "), which is never followed";
    co_return e;
  }

  auto env = weshop::parse_envelope(r.resp.body);
  if (env && !env->success) {
    upstream_error e;
    e.kind = error_kind::api;
    e.http_status = status;
    e.api = env->error;
    e.retry_after = retry_after;
    e.message = "WeShop error " + env->error.code + ": " + env->error.message;
    co_return e;
  }
  if (env)
    co_return std::move(*env);
  if (status < 200 || status >= 300) {
    upstream_error e;
    e.kind = error_kind::http_status;
    e.http_status = status;
    e.retry_after = retry_after;
    e.message = "WeShop answered HTTP " + std::to_string(status) + " without an error envelope";
    co_return e;
  }
  co_return parse_error(status, "WeShop answered HTTP " + std::to_string(status) + " with a body that is not an envelope");
}

asio::awaitable<outcome<std::string>> weshop_client::upload_image(std::string bytes, std::string filename)
{
  const auto type = sniff_image_type(bytes);
  if (!type)
    co_return local_error(filename + " is not a PNG, JPEG or WebP image");

  http::request req;
  req.method = "POST";
  req.url = api_origin_ + "/openapi/agent/assets/images";
  req.file = http::multipart_file{"image", std::move(bytes), std::move(filename), std::string(*type)};
  auto env = co_await call("upload_image", std::move(req));
  if (!env)
    co_return env.error();
  const auto* data = env->data.if_object();
  const auto* image = data ? data->if_contains("image") : nullptr;
  if (!image || !image->is_string() || !http::origin_of(image->get_string()))
    co_return parse_error(200, "upload response without an http(s) data.image");
  co_return std::string(image->get_string());
}

asio::awaitable<outcome<run_started>> weshop_client::start_run(std::string agent, std::string version,
                                                               json::object input, json::object params,
                                                               std::optional<std::string> callback_url)
{
  http::request req;
  req.method = "POST";
  req.url = api_origin_ + "/openapi/agent/runs";
  req.content_type = "application/json";
  std::optional<std::string_view> callback;
  if (callback_url)
    callback = *callback_url;
  req.body = json::serialize(weshop::make_run_request(agent, version, input, params, callback));
  auto env = co_await call("start_run", std::move(req));
  if (!env)
    co_return env.error();
  std::string id = env->execution_id;
  if (id.empty())
    if (const auto* data = env->data.if_object())
      if (const auto* v = data->if_contains("executionId"); v && v->is_string())
        id = v->get_string();
  if (id.empty())
    co_return parse_error(200, "WeShop accepted the run but returned no executionId");
  co_return run_started{std::move(id)};
}

asio::awaitable<outcome<weshop::run>> weshop_client::get_run(std::string execution_id)
{
  boost::urls::url u(api_origin_);
  u.set_path("/openapi/agent/runs");
  u.segments().push_back(execution_id); // percent-encoded: an id cannot change the path
  http::request req;
  req.url = std::string(u.buffer());
  auto env = co_await call("get_run", std::move(req));
  if (!env)
    co_return env.error();
  auto run = weshop::parse_run(*env);
  if (!run)
    co_return parse_error(200, "GET run answered with data that is not a run");
  if (run->execution_id.empty())
    run->execution_id = execution_id;
  co_return std::move(*run);
}

asio::awaitable<outcome<json::value>> weshop_client::agent_info(std::string agent, std::string version,
                                                                std::optional<std::chrono::milliseconds> timeout)
{
  boost::urls::url u(api_origin_);
  u.set_path("/openapi/v1/agent/info");
  u.params().append({"agentName", agent});
  u.params().append({"agentVersion", version});
  http::request req;
  req.url = std::string(u.buffer());
  req.total_timeout = timeout;
  auto env = co_await call("agent_info", std::move(req));
  if (!env)
    co_return env.error();
  co_return std::move(env->data);
}

} // namespace weshopd::upstream
