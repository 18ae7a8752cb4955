#include "api/backup_api.hpp"

#include "api/errors.hpp"
#include "metrics/registry.hpp"
#include "store/sqlite_backup.hpp"

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <mutex>

namespace weshopd::api {

namespace asio = boost::asio;

namespace {

// The last backup's duration, read at scrape time (process-wide, as the registry is).
std::atomic<double>& last_duration()
{
  static std::atomic<double> seconds{0};
  static std::once_flag registered;
  std::call_once(registered, [] {
    metrics::process_registry().collect("weshopd_backup_last_duration_seconds",
                                        "How long the last backup took to make its copy (0: none yet).", "gauge",
                                        [] { return std::vector<metrics::registry::sample>{{{}, seconds.load()}}; });
  });
  return seconds;
}

void count(std::string_view result)
{
  metrics::process_registry()
    .counter_of("weshopd_backups_total", "Backups asked for (POST /v1/admin/backup), by result.",
                {{"result", std::string(result)}})
    .add();
}

bool is_loopback(const std::string& remote)
{
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(remote, ec);
  if (ec)
    return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  return address.is_loopback();
}

// The copy, piece by piece, each read on the store's pool (not the event loop).
asio::awaitable<void> send_copy(std::shared_ptr<store::backup_copy> copy, store::async_jobs jobs, http::body_writer& out)
{
  for (std::uint64_t sent = 0; sent < copy->bytes();) {
    const auto piece = co_await jobs.read_backup(copy, sent);
    if (!piece || piece->empty()) // unreadable or shorter than it was: the client sees a short body
      co_return;
    if (!co_await out.write(*piece))
      co_return;
    sent += piece->size();
  }
}

} // namespace

backup_api::backup_api(store::job_store& store)
  : store_(store)
{
  last_duration(); // the gauge is listed from the start
}

bool backup_api::allowed(const http::incoming& req) const
{
  if (req.admin || req.remote == "unix")
    return true;
  // No principal: no tokens are configured (now: they reload live), so any loopback client.
  return req.principal.empty() && is_loopback(req.remote);
}

asio::awaitable<http::outgoing> backup_api::backup(http::incoming& req)
{
  if (!allowed(req)) {
    count("forbidden");
    co_return error_response(403, "forbidden",
                             "a backup needs an admin token (api.token_file: \"name token admin\") or the unix socket");
  }
  if (!store_.supports_backup()) {
    count("not_supported");
    co_return error_response(501, "backup_not_supported",
                             "weshopd copies only its SQLite database; back PostgreSQL up with pg_dump "
                             "(README, \"Backup and restore\")");
  }
  if (running_->exchange(true)) {
    count("in_progress");
    co_return error_response(409, "backup_in_progress", "another backup is being made; try again when it is done");
  }
  // Cleared when this answer is done with: its body sent, or never sent.
  std::shared_ptr<void> busy(nullptr, [flag = running_](void*) { flag->store(false); });
  const auto start = std::chrono::steady_clock::now();
  auto made = co_await jobs_.backup();
  last_duration().store(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!made) {
    const auto& failure = made.error();
    const bool no_room = failure.code == errc::storage_full;
    count(no_room ? "no_space" : "failed");
    co_return error_response(no_room ? 507 : 503, no_room ? "insufficient_storage" : "backup_failed",
                             failure.message());
  }
  count("ok");
  auto copy = std::move(*made);
  http::outgoing out;
  out.content_type = "application/vnd.sqlite3";
  out.headers.push_back({"Content-Length", std::to_string(copy->bytes())});
  out.headers.push_back({"X-Weshopd-Sha256", copy->sha256()});
  out.headers.push_back({"Cache-Control", "no-store"});
  out.headers.push_back({"Content-Disposition", "attachment; filename=\"weshopd-backup.db\""});
  out.stream = [copy, jobs = jobs_](http::body_writer& w) { return send_copy(copy, jobs, w); };
  out.hold = std::move(busy);
  co_return out;
}

} // namespace weshopd::api
