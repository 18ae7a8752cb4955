#include "api/dashboard_api.hpp"

#include "api/errors.hpp"
#include "job/job_json.hpp"
#include "api/job_scope.hpp"
#include "common/image_type.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "http/browser_guard.hpp"
#include "ui/static_site.hpp"
#include "weshop/image_ref.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <filesystem>

namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// JSON has no infinity: an unlimited rate is null.
json::value finite_or_null(double v)
{
  return std::isfinite(v) ? json::value(v) : json::value(nullptr);
}

} // namespace

dashboard_api::dashboard_api(engine::engine& engine, store::job_store& store, dashboard_options options)
  : engine_(engine), jobs_(store), options_(std::move(options))
{
}

// The counts are the daemon's, whoever asks (the shared queue's load; no job
// in them): token scopes limit jobs, not this header.
asio::awaitable<http::outgoing> dashboard_api::status(http::incoming& req)
{
  auto counts = co_await jobs_.counts();
  if (!counts)
    co_return error_response(counts.error());
  const auto hour_ago = now_ms() - std::chrono::hours(1);
  auto failed = co_await jobs_.count_finished_since(job_state::failed, hour_ago);
  if (!failed)
    co_return error_response(failed.error());

  json::object jobs;
  for (auto s : {job_state::queued, job_state::uploading, job_state::submitting, job_state::running,
                 job_state::succeeded, job_state::failed, job_state::canceled})
    jobs[to_string(s)] = 0;
  for (const auto& c : *counts)
    jobs[c.state] = jobs[c.state].as_int64() + c.jobs;
  const auto& health = engine_.upstream_health();
  const bool trouble = health.last_trouble && (!health.last_ok || *health.last_trouble > *health.last_ok);
  const auto stats = engine_.stats();
  auto out = json::object{{"jobs", std::move(jobs)},
                      {"failedLastHour", *failed},
                      {"polling", stats.polling},
                      {"active", stats.active},
                      {"scheduler", json::object{{"enabled", stats.scheduling},
                                                 {"window", stats.window},
                                                 {"inFlight", stats.in_flight},
                                                 {"waiting", stats.waiting},
                                                 {"pausedUntil", opt_time(stats.paused_until)},
                                                 {"pauses", stats.pauses},
                                                 {"requestsPerSecond", finite_or_null(stats.request_rate)}}},
                      {"caller", json::object{{"token", req.principal.empty() ? json::value() : json::value(req.principal)},
                                              {"admin", req.admin}}},
                      {"upstream", json::object{{"state", trouble ? "trouble" : health.last_ok ? "ok" : "unknown"},
                                                {"lastOkAt", opt_time(health.last_ok)},
                                                {"lastTroubleAt", opt_time(health.last_trouble)},
                                                {"lastTrouble", trouble ? json::value(health.last_trouble_message)
                                                                        : json::value(nullptr)}}}};
  if (options_.config_reload)
    out["configReload"] = options_.config_reload();
  co_return json_response(200, std::move(out));
}

asio::awaitable<http::outgoing> dashboard_api::upload(http::incoming& req)
{
  const auto& files = options_.local_files;
  if (!files || !files->copies)
    co_return error_response(409, "uploads_disabled", "this weshopd has no uploads.dir for images sent over HTTP");
  if (!http::media_type(req.header_value("Content-Type")).starts_with("image/"))
    co_return error_response(415, "unsupported_media_type", "the body must be the image itself (image/png, image/jpeg or image/webp)");
  if (req.body.size() > files->max_image_bytes)
    co_return error_response(413, "payload_too_large", "the image is larger than " + std::to_string(files->max_image_bytes) + " bytes");
  auto checked = files::image_of(std::move(req.body), files->max_image_bytes);
  if (!checked)
    co_return error_response(422, "validation_failed", "the body " + checked.problem, {{"/body", checked.problem}});
  const auto& image = *checked.image;
  if (auto refused = keep_copy(*files->copies, image))
    co_return std::move(*refused);
  co_return json_response(201, json::object{{"path", files->copies->path_of(image.sha256, image.content_type)},
                                            {"sha256", image.sha256},
                                            {"bytes", image.bytes.size()},
                                            {"contentType", image.content_type}});
}

std::optional<http::outgoing> keep_copy(files::image_store& copies, const files::image_file& image)
{
  switch (copies.put(image)) {
  case files::put_outcome::stored: return std::nullopt;
  case files::put_outcome::over_quota:
    return error_response(507, "insufficient_storage",
                          "uploads.dir holds " + std::to_string(copies.total_bytes()) +
                            " bytes: no room for this image within uploads.max_total_bytes");
  case files::put_outcome::failed: break;
  }
  log(log_level::error, "upload_write_failed", {{"dir", copies.dir()}});
  return error_response(503, "storage_unavailable", "the image could not be stored");
}

namespace {

// The sha256 a copy's path names, when the path is inside the copies' folder.
std::optional<std::string> copy_sha256(const files::image_store& copies, std::string_view path)
{
  const fs::path p(path);
  if (p.parent_path() != fs::path(copies.dir()))
    return std::nullopt;
  return p.stem().string();
}

} // namespace

asio::awaitable<http::outgoing> dashboard_api::input_image(http::incoming& req)
{
  const auto& id = req.params.at("id");
  const auto& name = req.params.at("name");
  const auto none = [] { return error_response(404, "not_found", "no such local input image"); };
  const auto& files = options_.local_files;
  if (!looks_like_uuid(id) || !files || !files->copies)
    co_return none();
  auto j = co_await jobs_.get(id);
  if (!j)
    co_return error_response(j.error());
  if (!may_see(req, *j))
    co_return error_response(errc::not_found);
  const auto* v = j->input.if_contains(name);
  if (!v || !v->is_string())
    co_return none();
  // Only weshopd's own copies are shown: the path the job names before its
  // upload, or the copy of what went to WeShop's URL. Nothing else is read.
  const auto ref = weshop::classify_image_ref(v->get_string());
  std::optional<std::string> sha;
  if (ref.kind == weshop::image_ref::kind::local_file) {
    sha = copy_sha256(*files->copies, ref.location);
  } else {
    const std::string url(v->get_string());
    auto upload = co_await jobs_.find_upload_by_url(url);
    if (upload && *upload)
      sha = (*upload)->sha256;
  }
  auto copy = sha ? files->copies->read(*sha, files->max_image_bytes) : std::nullopt;
  if (!copy)
    co_return none();
  http::outgoing out;
  out.content_type = copy->content_type;
  out.headers.push_back({"Cache-Control", "private, no-cache"});
  out.body = std::move(copy->bytes);
  co_return out;
}

asio::awaitable<http::outgoing> dashboard_api::history(http::incoming& req)
{
  const auto& id = req.params.at("id");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  auto j = co_await jobs_.get(id);
  if (!j)
    co_return error_response(j.error());
  if (!may_see(req, *j))
    co_return error_response(errc::not_found);
  auto list = co_await jobs_.events(id);
  if (!list)
    co_return error_response(list.error());
  json::array out;
  for (const auto& e : *list)
    out.push_back(json::object{{"id", e.id},
                               {"from", e.from ? json::value(to_string(*e.from)) : json::value(nullptr)},
                               {"to", to_string(e.to)},
                               {"at", to_rfc3339(e.at)},
                               {"detail", e.detail}});
  co_return json_response(200, json::object{{"events", std::move(out)}});
}

asio::awaitable<http::outgoing> dashboard_api::page(http::incoming& req)
{
  const auto it = req.params.find("file");
  auto out = ui::serve(it == req.params.end() ? "" : it->second, req.header_value("If-None-Match"));
  if (!out)
    co_return error_response(404, "not_found", "no such dashboard file");
  co_return std::move(*out);
}

asio::awaitable<http::outgoing> dashboard_api::to_dashboard(http::incoming&)
{
  http::outgoing out;
  out.status = 308;
  out.content_type = "text/plain; charset=utf-8";
  out.headers.push_back({"Location", "/ui/"});
  out.body = "the dashboard is at /ui/\n";
  co_return out;
}

} // namespace weshopd::api
