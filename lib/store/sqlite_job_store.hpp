#pragma once
// The job store on SQLite, the embedded default for one host.
//
// Writes go through one group-commit writer thread: each write's callback runs
// (on that thread) only after the transaction holding it is durable. Reads use
// a small pool of separate read-only connections (WAL lets them run beside the
// writer). The scripts are the shared core's (sql_job_store.hpp); this file
// holds only the connections and SQLite's dialect.

#include "store/sql_job_store.hpp"
#include "store/sqlite.hpp"

#include <condition_variable>
#include <mutex>

namespace weshopd::store {

class sqlite_job_store final : public sql_job_store {
public:
  static detailed_result<std::unique_ptr<job_store>> open(const job_store_options& options);
  ~sqlite_job_store() override;

  // One daemon per SQLite file: everything unfinished is its own.
  result<std::vector<job>> claim_unfinished(std::size_t) override { return unfinished(); }
  result<bool> renew_lease() override { return true; }
  result<bool> release_lease() override { return true; }
  bool supports_backup() const override { return true; }
  detailed_result<std::shared_ptr<backup_copy>> backup() override;

private:
  std::string path_;
  int busy_timeout_ms_;
  explicit sqlite_job_store(const job_store_options& options);
  boost::system::error_code with_reader(const std::function<void(sql_db&)>& f) override;

  class reader_lease;
  reader_lease acquire_reader();

  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<connection>> idle_readers_;
};

} // namespace weshopd::store
