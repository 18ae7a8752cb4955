#include "api/dashboard_api.hpp"

#include "api/errors.hpp"
#include "api/job_json.hpp"
#include "api/job_scope.hpp"
#include "common/durable_file.hpp"
#include "common/image_type.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "engine/local_image.hpp"
#include "http/browser_guard.hpp"
#include "store/read_async.hpp"
#include "ui/static_site.hpp"
#include "weshop/image_ref.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;

dashboard_api::dashboard_api(engine::engine& engine, store::job_store& store, dashboard_options options)
  : engine_(engine), store_(store), options_(std::move(options))
{
}

// The counts are the daemon's, whoever asks (the shared queue's load; no job
// in them): token scopes limit jobs, not this header.
asio::awaitable<http::outgoing> dashboard_api::status(http::incoming& req)
{
  auto counts = co_await store::read_async(store_, [&] { return store_.counts(); });
  if (!counts)
    co_return error_response(counts.error());
  const auto hour_ago = now_ms() - std::chrono::hours(1);
  auto failed = co_await store::read_async(store_, [&] { return store_.count_finished_since(job_state::failed, hour_ago); });
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
  co_return json_response(
    200, json::object{{"jobs", std::move(jobs)},
                      {"failedLastHour", *failed},
                      {"polling", stats.polling},
                      {"active", stats.active},
                      {"caller", json::object{{"token", req.principal.empty() ? json::value() : json::value(req.principal)},
                                              {"admin", req.admin}}},
                      {"upstream", json::object{{"state", trouble ? "trouble" : health.last_ok ? "ok" : "unknown"},
                                                {"lastOkAt", opt_time(health.last_ok)},
                                                {"lastTroubleAt", opt_time(health.last_trouble)},
                                                {"lastTrouble", trouble ? json::value(health.last_trouble_message)
                                                                        : json::value(nullptr)}}}});
}

asio::awaitable<http::outgoing> dashboard_api::upload(http::incoming& req)
{
  if (!options_.upload_dir)
    co_return error_response(409, "uploads_disabled", "this weshopd has no uploads.dir for images sent over HTTP");
  if (!http::media_type(req.header_value("Content-Type")).starts_with("image/"))
    co_return error_response(415, "unsupported_media_type", "the body must be the image itself (image/png, image/jpeg or image/webp)");
  if (req.body.size() > options_.max_upload_size)
    co_return error_response(413, "payload_too_large", "the image is larger than " + std::to_string(options_.max_upload_size) + " bytes");
  const auto type = sniff_image_type(req.body);
  if (!type)
    co_return error_response(422, "validation_failed", "the body is not a PNG, JPEG or WebP image",
                             {{"/body", "not a PNG, JPEG or WebP image (by its first bytes)"}});
  const auto sha = sha256_hex(req.body);
  // Named by content: the same image sent twice is one file.
  const fs::path path = engine::input_copy_path(*options_.upload_dir, sha, *type);
  std::error_code ec;
  if (!fs::exists(path, ec) && !write_durably(path, req.body)) {
    log(log_level::error, "upload_write_failed", {{"dir", *options_.upload_dir}});
    co_return error_response(503, "storage_unavailable", "the image could not be stored");
  }
  forget_old_uploads();
  auto out = json_response(201, json::object{{"path", path.string()},
                                          {"sha256", sha},
                                          {"bytes", req.body.size()},
                                          {"contentType", *type}});
  co_return out;
}

void dashboard_api::forget_old_uploads() const
{
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - options_.keep_uploads;
  for (fs::directory_iterator it(*options_.upload_dir, ec), end; !ec && it != end; it.increment(ec))
    if (std::error_code e; it->is_regular_file(e) && it->last_write_time(e) < cutoff)
      fs::remove(it->path(), e);
}

asio::awaitable<http::outgoing> dashboard_api::input_image(http::incoming& req)
{
  const auto& id = req.params.at("id");
  const auto& name = req.params.at("name");
  const auto none = [] { return error_response(404, "not_found", "no such local input image"); };
  if (!looks_like_uuid(id))
    co_return none();
  auto j = co_await store::read_async(store_, [&] { return store_.get(id); });
  if (!j)
    co_return error_response(j.error());
  if (!may_see(req, *j))
    co_return error_response(errc::not_found);
  const auto* v = j->input.if_contains(name);
  if (!v || !v->is_string())
    co_return none();
  const auto ref = weshop::classify_image_ref(v->get_string());
  std::string path = ref.location;
  if (ref.kind != weshop::image_ref::kind::local_file) {
    // WeShop's URL of an image we uploaded: our copy of it. Any other URL is
    // not fetched for the browser.
    auto upload = co_await store::read_async(store_, [&] { return store_.find_upload_by_url(v->get_string()); });
    if (!upload || !*upload || !options_.upload_dir)
      co_return none();
    path.clear();
    std::error_code ec;
    for (auto type : image_types)
      if (const auto p = engine::input_copy_path(*options_.upload_dir, (*upload)->sha256, type); fs::exists(p, ec))
        path = p;
  }
  // Checked again: the file may have changed since the job was accepted.
  const auto checked = engine::check_local_image(path, options_.upload_roots, options_.max_upload_size);
  if (path.empty() || !checked)
    co_return none();
  http::outgoing out;
  out.content_type = checked.image.content_type;
  out.headers.push_back({"Cache-Control", "private, no-cache"});
  std::ifstream in(checked.image.path, std::ios::binary);
  out.body.assign(std::istreambuf_iterator<char>(in), {});
  co_return out;
}

asio::awaitable<http::outgoing> dashboard_api::history(http::incoming& req)
{
  const auto& id = req.params.at("id");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  auto j = co_await store::read_async(store_, [&] { return store_.get(id); });
  if (!j)
    co_return error_response(j.error());
  if (!may_see(req, *j))
    co_return error_response(errc::not_found);
  auto list = co_await store::read_async(store_, [&] { return store_.events(id); });
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
