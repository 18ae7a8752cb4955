#include "api/local_api.hpp"

#include "api/dispatch.hpp"
#include "api/budget_answers.hpp"
#include "api/errors.hpp"
#include "api/notify_field.hpp"
#include "api/query.hpp"
#include "api/list_cursor.hpp"
#include "api/job_scope.hpp"
#include "common/canonical_json.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "http/security_headers.hpp"
#include "job/job_json.hpp"
#include "metrics/registry.hpp"
#include "weshop/catalog.hpp"
#include "weshop/catalog_json.hpp"
#include "weshop/envelope.hpp"
#include "weshop/image_ref.hpp"
#include "weshop/canonical.hpp"
#include "weshop/validate.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>


namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;

local_api::local_api(engine::engine& engine, store::job_store& store, api_options options)
  : engine_(engine), store_(store), options_(std::move(options)), streams_(options_.max_streams), presets_(engine),
    events_(engine.feed(), store, streams_, options_.events),
    batch_events_(engine.feed(), store, streams_, options_.events), archives_(store, options_.mirror_dir),
    dashboard_(engine, store, {.local_files = options_.local_files, .config_reload = options_.config_reload}),
    backup_(store), breaker_(options_.identical_requests, options_.identical_window),
    guard_(options_.allowed_hosts), live_(make_access({options_.tokens, options_.default_notify, options_.budget}))
{
  const auto bind = [this](auto member) { return [this, member](http::incoming& r) { return (this->*member)(r); }; };
  routes_.add("POST", "/v1/jobs", bind(&local_api::create_job))
    .add("GET", "/v1/jobs", bind(&local_api::list_jobs))
    .add("GET", "/v1/jobs/{id}", bind(&local_api::get_job))
    .add("POST", "/v1/jobs/{id}/cancel", bind(&local_api::cancel_job))
    .add("POST", "/v1/jobs/{id}/retry", bind(&local_api::retry_job))
    .add("GET", "/v1/jobs/{id}/results/{n}", bind(&local_api::result_file))
    .add("GET", "/v1/jobs/{id}/events", [this](http::incoming& r) { return events_.job_events(r); })
    .add("GET", "/v1/events", [this](http::incoming& r) { return events_.all_events(r); })
    .add("POST", "/v1/batches", bind(&local_api::create_batch))
    .add("GET", "/v1/batches", bind(&local_api::list_batches))
    .add("GET", "/v1/batches/{id}", bind(&local_api::get_batch))
    .add("POST", "/v1/batches/{id}/cancel", bind(&local_api::cancel_batch))
    .add("POST", "/v1/batches/{id}/retry", bind(&local_api::retry_batch))
    .add("GET", "/v1/batches/{id}/results", bind(&local_api::batch_results))
    .add("GET", "/v1/batches/{id}/archive", bind(&local_api::batch_archive))
    .add("GET", "/v1/batches/{id}/events", [this](http::incoming& r) { return batch_events_.events(r); })
    .add("GET", "/v1/agents", bind(&local_api::agents))
    .add("GET", "/v1/agents/{name}/info", bind(&local_api::agent_info))
    .add("GET", "/metrics", bind(&local_api::metrics_text))
    .add("GET", "/healthz", bind(&local_api::health))
    .add("GET", "/v1/status", [this](http::incoming& r) { return dashboard_.status(r); })
    .add("GET", "/v1/usage", bind(&local_api::usage))
    .add("POST", "/v1/uploads", [this](http::incoming& r) { return dashboard_.upload(r); })
    .add("GET", "/v1/jobs/{id}/inputs/{name}", [this](http::incoming& r) { return dashboard_.input_image(r); })
    .add("GET", "/v1/jobs/{id}/history", [this](http::incoming& r) { return dashboard_.history(r); })
    .add("POST", "/v1/admin/backup", [this](http::incoming& r) { return backup_.backup(r); })
    .add("GET", "/", [this](http::incoming& r) { return dashboard_.to_dashboard(r); })
    .add("GET", "/ui", [this](http::incoming& r) { return dashboard_.to_dashboard(r); })
    .add("GET", "/ui/", [this](http::incoming& r) { return dashboard_.page(r); })
    .add("GET", "/ui/{file}", [this](http::incoming& r) { return dashboard_.page(r); });
}

local_api::access local_api::make_access(api_live from)
{
  access a{std::move(from)};
  // Scopes separate principals: with one name only (a single bare token) there is nobody to hide from.
  a.scoped_tokens = std::any_of(a.tokens.begin(), a.tokens.end(),
                                [&](const api_token& t) { return t.name != a.tokens.front().name; });
  return a;
}

void local_api::apply(api_live next)
{
  live_.store(make_access(std::move(next)));
}

namespace {

// The dashboard's own files: no secrets in them, so no token (the page asks for it).
bool is_dashboard_file(std::string_view path)
{
  return path == "/" || path == "/ui" || path.starts_with("/ui/");
}

} // namespace

asio::awaitable<http::outgoing> local_api::handle(http::incoming& req)
{
  auto out = co_await answer(req);
  http::add_security_headers(out, is_dashboard_file(req.path) ? http::page_kind::dashboard : http::page_kind::api);
  if (logs(log_level::debug))
    log(log_level::debug, "request", {{"method", req.method}, {"path", req.path}, {"status", std::to_string(out.status)}});
  co_return out;
}

asio::awaitable<http::outgoing> local_api::answer(http::incoming& req)
{
  if (auto refused = guard_.check(req, req.remote == "unix"))
    co_return error_response(refused->status, refused->code, refused->message);
  const auto live = live_.load(); // this request's tokens
  if (!live->tokens.empty() && req.path != "/healthz" && !is_dashboard_file(req.path)) {
    const auto given = req.header_value("Authorization");
    const auto secret = given.starts_with("Bearer ") ? given.substr(7) : std::string_view{};
    for (const auto& t : live->tokens) // every one compared: the time does not tell which matched
      if (constant_time_equal(secret, t.secret) && req.principal.empty()) {
        req.principal = t.name;
        req.admin = t.admin;
        req.scoped = live->scoped_tokens && !t.admin;
      }
    if (req.principal.empty()) {
      auto out = error_response(401, "unauthorized", "this weshopd needs Authorization: Bearer <token> (api.token_file)");
      out.headers.push_back({"WWW-Authenticate", "Bearer"});
      co_return out;
    }
  }
  co_return co_await dispatch(routes_, req);
}

asio::awaitable<http::outgoing> local_api::get_job(http::incoming& req)
{
  const auto& id = req.params.at("id");
  std::string bad;
  const auto wait = int_param(req, "wait", 0, 60, bad);
  if (!bad.empty())
    co_return error_response(422, "validation_failed", "wait " + bad, {{"/query/wait", bad}});
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  auto& views = store_.views();
  if ((!wait || *wait == 0) && !req.scoped) // a cached view does not say whose job it is
    if (auto view = views.get(id))
      co_return json_response(200, std::move(*view));
  const auto epoch = views.epoch();
  auto j = co_await jobs_.get(id);
  if (j && !may_see(req, *j))
    co_return error_response(errc::not_found);
  if (j && wait && *wait > 0 && !is_terminal(j->state)) {
    const auto slot = streams_.try_take(); // held while this request waits
    if (!slot)
      co_return stream_slots::refusal();
    co_await engine_.changes().wait(id, std::chrono::seconds(*wait));
    j = co_await jobs_.get(id);
  }
  if (!j)
    co_return error_response(j.error());
  auto out = to_json(*j);
  if (j->notify_url)
    if (const auto deliveries = co_await jobs_.deliveries(id); deliveries)
      out["notify"].as_object()["deliveries"] = to_json(*deliveries);
  auto response = json_response(200, out);
  views.put(id, response.body, epoch);
  co_return response;
}

asio::awaitable<http::outgoing> local_api::list_jobs(http::incoming& req)
{
  store::list_query q;
  weshop::violations problems;
  std::string bad;
  if (const auto limit = int_param(req, "limit", 1, 500, bad); bad.empty())
    q.limit = static_cast<std::size_t>(limit.value_or(50));
  else
    problems.push_back({"/query/limit", bad});
  auto filters = read_job_filters(req, problems);
  q.state = filters.state;
  q.agent = std::move(filters.agent);
  q.batch = std::move(filters.batch);
  q.token = owner_filter(req);
  if (!problems.empty())
    co_return error_response(422, "validation_failed", "bad query parameters", problems);
  if (const auto it = req.query.find("cursor"); it != req.query.end()) {
    q.before_id = decode_cursor(it->second);
    if (!q.before_id)
      co_return error_response(400, "invalid_cursor", "this cursor was not issued by weshopd");
  }
  auto page = co_await jobs_.list(q);
  if (!page)
    co_return error_response(page.error());
  json::array jobs;
  for (const auto& j : page->jobs)
    jobs.push_back(to_json(j));
  co_return json_response(200, json::object{{"jobs", std::move(jobs)},
                                            {"next_cursor", page->next_before ? json::value(encode_cursor(*page->next_before))
                                                                              : json::value()}});
}

asio::awaitable<http::outgoing> local_api::cancel_job(http::incoming& req)
{
  const auto& id = req.params.at("id");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  if (req.scoped) { // the owner never changes: checked once, before the cancel
    const auto j = co_await jobs_.get(id);
    if (!j)
      co_return error_response(j.error());
    if (!may_see(req, *j))
      co_return error_response(errc::not_found);
  }
  auto r = co_await engine_.cancel(id);
  if (!r)
    co_return error_response(r.error());
  auto body = to_json(r->current);
  if (r->was_running)
    body["note"] = "WeShop has no cancel: the run may still finish (and be billed); weshopd no longer follows it";
  co_return json_response(200, body);
}

// The catalog, each agent with how long its runs typically take here
// (learned: null until enough runs ended), and per generateVersion when runs
// were told one.
asio::awaitable<http::outgoing> local_api::agents(http::incoming&)
{
  auto body = weshop::catalog_to_json();
  const auto typical = engine_.typical_run_times();
  const auto seconds = [](const engine::run_time_book::typical& t) {
    const auto s = [](std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; };
    return json::object{{"p50", s(t.p50)}, {"p90", s(t.p90)}, {"runs", t.runs}};
  };
  for (auto& a : body.as_object()["agents"].as_array()) {
    auto& agent = a.as_object();
    const auto key = std::string(agent["name"].as_string()) + "@" + std::string(agent["version"].as_string());
    const auto own = typical.find(key);
    agent["typicalSeconds"] = own == typical.end() ? json::value() : json::value(seconds(own->second));
    json::object by_generate;
    for (auto it = typical.lower_bound(key + "/"); it != typical.end() && it->first.starts_with(key + "/"); ++it)
      by_generate[it->first.substr(key.size() + 1)] = seconds(it->second);
    if (!by_generate.empty())
      agent["typicalSecondsByGenerateVersion"] = std::move(by_generate);
  }
  co_return json_response(200, body);
}

asio::awaitable<http::outgoing> local_api::agent_info(http::incoming& req)
{
  const auto& name = req.params.at("name");
  const auto it = req.query.find("version");
  const std::string version = it != req.query.end() ? it->second : std::string(weshop::default_version(name).value_or(""));
  if (!weshop::find_agent(name, version))
    co_return error_response(404, "not_found", "no such agent (and version)");
  auto info = co_await engine_.agent_info(name, version);
  if (!info) {
    auto out = error_response(502, "upstream_unavailable", "WeShop did not answer: " + info.error().message);
    out.headers.push_back({"Retry-After", "5"});
    co_return out;
  }
  co_return json_response(200, json::object{{"agent", name}, {"version", version}, {"info", *info}});
}

asio::awaitable<http::outgoing> local_api::health(http::incoming&)
{
  const auto stats = engine_.stats();
  co_return json_response(200, json::object{{"status", "ok"},
                                            {"version", options_.version},
                                            {"commit", options_.commit},
                                            {"polling", stats.polling},
                                            {"active", stats.active},
                                            {"callbacks", json::object{{"accepted", stats.callbacks_accepted},
                                                                       {"late", stats.callbacks_late},
                                                                       {"forged", stats.callbacks_forged},
                                                                       {"coalesced", stats.callbacks_coalesced}}}});
}

// A mirrored result image, from the local copy (results.mirror).
asio::awaitable<http::outgoing> local_api::result_file(http::incoming& req)
{
  const auto& id = req.params.at("id");
  const auto& n_text = req.params.at("n");
  int n = -1;
  if (n_text.size() <= 4 && !n_text.empty() && std::all_of(n_text.begin(), n_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    n = std::stoi(n_text);
  if (!looks_like_uuid(id) || n < 0)
    co_return error_response(404, "not_found", "no such result");
  auto file = co_await jobs_.find_result_file(id, n);
  if (!file)
    co_return error_response(file.error());
  const auto missing = [] {
    return error_response(404, "not_found",
                          "no local copy of that result (results.mirror is off, it is not copied yet, or it expired)");
  };
  if (!*file) {
    const auto j = co_await jobs_.get(id); // a job retention deleted says so (job_expired)
    if (!j && j.error() == make_error_code(errc::job_expired))
      co_return error_response(j.error());
    co_return missing();
  }
  if (req.scoped) { // another token's copy answers as a job without copies does
    const auto j = co_await jobs_.get(id);
    if (!j || !may_see(req, *j))
      co_return missing();
  }
  const auto etag = "\"" + (*file)->sha256 + "\"";
  http::outgoing out;
  out.content_type = (*file)->content_type;
  out.headers.push_back({"ETag", etag});
  out.headers.push_back({"Cache-Control", "private, max-age=31536000, immutable"}); // a copy never changes
  if (req.header_value("If-None-Match") == etag) {
    out.status = 304;
    co_return out;
  }
  std::ifstream in((*file)->path, std::ios::binary);
  out.body.assign(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof())
    co_return missing();
  if (out.body.size() != static_cast<std::size_t>((*file)->bytes))
    co_return missing(); // removed by the sweep meanwhile, or damaged
  co_return out;
}

// GET /v1/usage?from=&to=&group=agent|day|token: admitted jobs by budget day.
asio::awaitable<http::outgoing> local_api::usage(http::incoming& req)
{
  const auto budget = live_.load()->budget;
  const auto today = budget->window_of(options_.clock());
  auto query = read_usage_query(req, today);
  if (auto* refusal = std::get_if<http::outgoing>(&query))
    co_return std::move(*refusal);
  const auto& q = std::get<usage_query>(query);
  const auto owner = owner_filter(req); // a scoped token: its own jobs' usage only
  auto rows = co_await jobs_.usage(q.from, q.to, q.group, owner);
  if (!rows)
    co_return error_response(rows.error());
  co_return json_response(200, usage_json(q, *rows, budget->options().currency));
}

asio::awaitable<http::outgoing> local_api::metrics_text(http::incoming&)
{
  if (options_.before_metrics)
    co_await options_.before_metrics();
  http::outgoing out;
  out.content_type = "text/plain; version=0.0.4; charset=utf-8";
  out.body = metrics::process_registry().render();
  co_return out;
}

} // namespace weshopd::api
