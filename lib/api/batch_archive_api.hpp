#pragma once
// GET /v1/batches/{id}/archive: a ZIP of a batch's mirrored result copies
// (results.mirror), each named after its item's input (shirt.png ->
// shirt-1.png, shirt-2.png: mirror/archive_names.hpp), stored uncompressed,
// in item order.
// - Mirroring off: 409 mirror_disabled (weshopd keeps no copies to zip).
// - The ZIP is made whole before the answer starts, off the event loop (the
//   store's pool: the items read page by page, mirror::write_archive into an
//   unnamed temporary file in the mirror directory), then streamed from its
//   descriptor a piece at a time, each read on the pool. The file is gone
//   when the answer is done (or the daemon stops).
// - 200 application/zip with Content-Length, Content-Disposition
//   `attachment; filename="batch-<id>.zip"` and X-Weshopd-Skipped: how many
//   of the items' results it leaves out (never copied, expired, or gone
//   while it was written); the log line batch_archive names the ones that
//   vanished. Any part of a batch, finished or not, may be zipped.
// - One ZIP at a time (each may be gigabytes of disk I/O); another meanwhile:
//   503 archive_busy + Retry-After. No room for it: 507 insufficient_storage.
// Runs on the API's executor.

#include "http/message.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace weshopd::api {

class batch_archive_api {
public:
  // mirror_dir: results.dir with results.mirror on; empty: mirroring is off.
  batch_archive_api(store::job_store& store, std::string mirror_dir);

  // The ZIP of batch `id`, which the request may see (the caller checked).
  boost::asio::awaitable<http::outgoing> archive(std::string id);

private:
  store::job_store& store_;
  std::string mirror_dir_;
  std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace weshopd::api
