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
#include "http/message.hpp"
#include "store/job_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::api {

struct dashboard_options {
  std::vector<std::string> upload_roots{}; // where inputs may be read (uploads.dir among them)
  std::optional<std::string> upload_dir{}; // where browser uploads go; none: uploads refused
  std::uint64_t max_upload_size = 32 * 1024 * 1024;
  std::chrono::hours keep_uploads{24 * 7}; // older uploads are deleted (their runs are long submitted)
};

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
  void forget_old_uploads() const;

  engine::engine& engine_;
  store::job_store& store_;
  dashboard_options options_;
};

} // namespace weshopd::api
