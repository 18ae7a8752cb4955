#pragma once
// The routes the dashboard (/ui/) needs beyond the job API:
//   GET  /v1/status                    the status header: jobs by state, failed
//                                      in the last hour, how WeShop answers
//   POST /v1/uploads                   an image from the browser, kept under
//                                      uploads.dir; answers the path a job names
//   GET  /v1/jobs/{id}/inputs/{name}   a job's local input image (thumbnails)
//   GET  /v1/jobs/{id}/history         a job's events as stored: from, to, at,
//                                      detail (the event stream carries the job)
//   GET  /ui/...                       the dashboard's own files
// Browsers can only pick a file, not name a path; the upload turns one into
// the other. Local apps keep naming paths under uploads.roots as before.

#include "engine/engine.hpp"
#include "files/local_inputs.hpp"
#include "http/message.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/awaitable.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::api {

struct dashboard_options {
  // Browser uploads and jobs' inputs are kept in local_files->copies
  // (uploads.dir); without it uploads are refused and no input is shown.
  std::shared_ptr<files::local_inputs> local_files{};
  // /v1/status's configReload (the last SIGHUP's outcome); none: the field is left out.
  std::function<boost::json::value()> config_reload{};
};

// Keeps an image in uploads.dir; when it cannot, the answer that says why
// (507 insufficient_storage past uploads.max_total_bytes, 503 on a write error).
std::optional<http::outgoing> keep_copy(files::image_store& copies, const files::image_file& image);

class dashboard_api {
public:
  dashboard_api(engine::engine& engine, store::job_store& store, dashboard_options options);

  boost::asio::awaitable<http::outgoing> status(http::incoming& req);
  boost::asio::awaitable<http::outgoing> upload(http::incoming& req);
  boost::asio::awaitable<http::outgoing> input_image(http::incoming& req);
  boost::asio::awaitable<http::outgoing> history(http::incoming& req);
  boost::asio::awaitable<http::outgoing> page(http::incoming& req);
  boost::asio::awaitable<http::outgoing> to_dashboard(http::incoming& req); // "/" and "/ui" -> "/ui/"

private:
  engine::engine& engine_;
  store::async_jobs jobs_;
  dashboard_options options_;
};

} // namespace weshopd::api
