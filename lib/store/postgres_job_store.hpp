#pragma once
// The job store on PostgreSQL (store.backend = "postgres"): several weshopd
// hosts sharing one queue.
//
// Writes, lease claims included, go through one group-commit writer thread
// per store (group_commit.hpp, as with SQLite); a unit's constraint failure
// undoes only that unit. Reads use a small pool of connections on the calling
// thread, which for the event loop is the read pool (read_async.hpp:
// reads_block() is true). A lost connection fails what was in flight
// (storage_io: try again) and is opened again, with backoff, for the next
// work. Compare-and-set transitions hold across hosts: every UPDATE names the
// state it expects, and admissions lock their budget rows. The scripts are the
// shared core's (sql_job_store.hpp); this file holds only the connections,
// PostgreSQL's dialect and the leases.

#include "store/sql_job_store.hpp"

#include <mutex>

namespace weshopd::store {

class pg_connection;

class postgres_job_store final : public sql_job_store {
public:
  static detailed_result<std::unique_ptr<job_store>> open(const job_store_options& options);

  result<std::vector<job>> claim_unfinished(std::size_t limit) override;
  result<bool> renew_lease() override;
  result<bool> release_lease() override;
  bool reads_block() const override { return true; }
  const std::string& owner() const;

private:
  explicit postgres_job_store(const job_store_options& options);
  boost::system::error_code with_reader(const std::function<void(sql_db&)>& f) override;

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<pg_connection>> idle_readers_;
};

} // namespace weshopd::store
