#pragma once
// Job retention (jobs.retention_days, #21): at start and every `interval`,
// finished jobs older than `retention` are purged by the store in short
// batches (job_store::async_purge_expired, one transaction each, on the
// writer path; the event loop is yielded between batches so intake's writes
// interleave), their mirrored copies are deleted from disk (only inside
// mirror_dir), then SQLite gives the freed pages back (incremental_vacuum, a
// chunk per write). One log line per sweep:
//   retention_sweep purged=.. tombstones=.. files=.. uploads=.. freed_pages=.. ms=..
// and weshopd_retention_purged_jobs_total counts the jobs purged.
// It lives here (mirror) because it deletes the mirror's files; it needs only
// the store. Runs on the daemon's one-thread executor.

#include "common/time.hpp"
#include "store/job_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace weshopd::mirror {

struct retention_sweep_options {
  std::chrono::milliseconds retention = std::chrono::hours(24 * 90); // > 0: 0 (keep all) starts no sweep
  std::chrono::milliseconds interval = std::chrono::hours(1);
  // per transaction: about 10 ms of the writer here (a job and its rows take ~100 us to
  // delete; the soak benchmark logs each sweep), no longer than an intake batch
  std::size_t batch_jobs = 100;
  std::size_t vacuum_pages = 1000; // per incremental_vacuum write (4 MiB of 4 KiB pages)
  std::string mirror_dir{};       // the mirror's root: a copy elsewhere is never deleted
  std::function<timestamp()> clock = now_ms; // injectable: a test or benchmark shrinks days to minutes
};

// What one sweep did (and logged).
struct sweep_report {
  std::size_t purged = 0;
  std::size_t tombstones_dropped = 0;
  std::size_t files_deleted = 0;
  std::size_t uploads_dropped = 0;
  std::int64_t freed_pages = 0;
  std::chrono::milliseconds took{};
  bool failed = false; // the store refused a batch (logged); the next sweep tries again
};

// Jobs that finished before this are due. Pure.
timestamp purge_cutoff(timestamp now, std::chrono::milliseconds retention);
class retention_sweep {
public:
  retention_sweep(boost::asio::any_io_executor executor, store::job_store& store, retention_sweep_options options);
  ~retention_sweep();

  void start();
  void stop();
  boost::asio::awaitable<void> join();
  // One sweep now (the loop's body; for tests and benchmarks with a fake clock).
  boost::asio::awaitable<sweep_report> sweep_once();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::mirror
