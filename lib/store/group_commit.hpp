#pragma once
// The single writer of a store's database, for either backend (SQLite:
// group_commit, PostgreSQL: pg_group_commit). Callers hand it small units of
// work; a dedicated thread runs everything queued so far in ONE transaction
// (group commit) and completes each caller only after that transaction is
// durable.
//
// A unit of work runs inside its own SAVEPOINT: if it throws an ordinary
// database error (a constraint, say) only that unit is undone and told so; if
// it throws a failure of the database as a whole (SQLite: disk full, I/O
// error, read-only; PostgreSQL: the connection is gone), the whole batch rolls
// back and every unit in it is told. A lost connection is opened again (with
// `reopen`, backing off) for the next batch.
// Completions run on the writer thread: keep them short (post elsewhere).
// The queue is bounded: submit() answers errc::overloaded when it is full.

#include "common/error.hpp"
#include "metrics/registry.hpp"
#include "store/sqlite.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace weshopd::store {

class pg_connection;

struct group_commit_options {
  std::size_t max_batch = 1024;  // units per transaction
  std::size_t max_queue = 65536; // units waiting; beyond it submit() refuses
};

template <class Connection>
class basic_group_commit {
public:
  using work = std::function<void(Connection&)>;
  using completion = std::function<void(boost::system::error_code)>;
  using opener = std::function<std::unique_ptr<Connection>()>;

  // Takes over `db` (already migrated) and starts the writer thread.
  basic_group_commit(std::unique_ptr<Connection> db, group_commit_options options = {}, opener reopen = {});
  basic_group_commit(const basic_group_commit&) = delete;
  basic_group_commit& operator=(const basic_group_commit&) = delete;
  // Runs what is queued, then stops the thread.
  ~basic_group_commit();

  // Queues `w`; `done` is called once, after the batch holding it committed
  // (empty code) or failed. On refusal `done` is not called.
  boost::system::error_code submit(work w, completion done);

  struct statistics {
    std::uint64_t batches = 0;
    std::uint64_t units = 0;
    std::uint64_t failed_batches = 0;
  };
  statistics stats() const;

private:
  struct unit {
    work w;
    completion done;
  };

  void run();
  void commit_batch(std::deque<unit>& batch);
  void run_units(std::deque<unit>& batch, std::vector<boost::system::error_code>& outcome);

  std::unique_ptr<Connection> db_; // null after a lost connection, until reopened
  group_commit_options options_;
  opener reopen_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<unit> queue_;
  bool stopping_ = false;
  statistics stats_;
  metrics::histogram& batch_sizes_;
  metrics::histogram& commit_seconds_;
  std::thread thread_;
};

using group_commit = basic_group_commit<connection>;
using pg_group_commit = basic_group_commit<pg_connection>;
extern template class basic_group_commit<connection>;
extern template class basic_group_commit<pg_connection>;

} // namespace weshopd::store
