#pragma once
// POST /v1/admin/backup: a consistent copy of the SQLite database, made by
// the daemon while it keeps serving (store/sqlite_backup.hpp) and streamed
// to the client, which writes the file (weshopctl backup FILE).
//
// Who may: an admin token, a request over the unix socket (its mode and group
// say who can connect), or, when no tokens are configured at all, a loopback
// client; anyone else gets 403 forbidden. One backup at a time (a second one
// meanwhile: 409 backup_in_progress, until the first's body is sent). Not
// enough room beside the database: 507 insufficient_storage. PostgreSQL:
// 501 backup_not_supported, naming the pg_dump recipe.
// The answer: 200, application/vnd.sqlite3, Content-Length and
// X-Weshopd-Sha256 (the copy's SHA-256, hex), the body read from the copy's
// descriptor off the event loop. /metrics: weshopd_backups_total{result},
// weshopd_backup_last_duration_seconds.
//
// Runs on the API's executor; the in-progress flag is atomic.

#include "http/message.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>

namespace weshopd::api {

class backup_api {
public:
  explicit backup_api(store::job_store& store);

  boost::asio::awaitable<http::outgoing> backup(http::incoming& req);

private:
  bool allowed(const http::incoming& req) const;

  store::job_store& store_;
  store::async_jobs jobs_{store_};
  std::shared_ptr<std::atomic<bool>> running_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace weshopd::api
