#include "store/group_commit.hpp"

#include "store/postgres.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

namespace weshopd::store {

namespace {

// What the writer needs to know of each backend: its transaction words, and
// what a failure means.
template <class Connection>
struct backend;

template <>
struct backend<connection> {
  // (Savepoints as cached statements: exec() would parse them for every unit.)
  static void exec(connection& db, std::string_view sql) { db.prepare(sql)->step(); }
  static constexpr std::string_view begin = "BEGIN IMMEDIATE";
  static bool healthy(const connection&) { return true; }
  // Disk full, I/O error, read-only: the transaction cannot go on.
  static bool fails_batch(const std::exception& e)
  {
    const auto* s = dynamic_cast<const sqlite_error*>(&e);
    return s && s->is_fatal();
  }
  static bool lost(const std::exception&) { return false; }
  static boost::system::error_code code_of(const std::exception& e)
  {
    const auto* s = dynamic_cast<const sqlite_error*>(&e);
    return s ? s->to_errc() : errc::storage_failed; // else a unit's own bug (bad JSON, bad_alloc)
  }
};

template <>
struct backend<pg_connection> {
  static void exec(pg_connection& db, std::string_view sql) { db.exec(sql); }
  static constexpr std::string_view begin = "BEGIN";
  static bool healthy(const pg_connection& db) { return db.healthy(); }
  static bool lost(const std::exception& e)
  {
    const auto* p = dynamic_cast<const pg_error*>(&e);
    return p && p->connection_lost();
  }
  static bool fails_batch(const std::exception& e) { return lost(e); }
  static boost::system::error_code code_of(const std::exception& e)
  {
    const auto* p = dynamic_cast<const pg_error*>(&e);
    return p ? p->to_errc() : make_error_code(errc::storage_failed);
  }
};

} // namespace

template <class Connection>
basic_group_commit<Connection>::basic_group_commit(std::unique_ptr<Connection> db, group_commit_options options,
                                                   opener reopen)
  : db_(std::move(db)), options_(options), reopen_(std::move(reopen)),
    batch_sizes_(metrics::process_registry().histogram_of(
      "weshopd_store_commit_writes", "Writes per store transaction (group commit).", {},
      {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
    commit_seconds_(metrics::process_registry().histogram_of(
      "weshopd_store_commit_duration_seconds", "Time to run and durably commit one group of writes.", {},
      metrics::latency_buckets())),
    thread_([this] { run(); })
{
}

template <class Connection>
basic_group_commit<Connection>::~basic_group_commit()
{
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

template <class Connection>
boost::system::error_code basic_group_commit<Connection>::submit(work w, completion done)
{
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return errc::shutting_down;
    if (queue_.size() >= options_.max_queue)
      return errc::overloaded;
    queue_.push_back({std::move(w), std::move(done)});
  }
  wake_.notify_one();
  return {};
}

template <class Connection>
typename basic_group_commit<Connection>::statistics basic_group_commit<Connection>::stats() const
{
  std::lock_guard lock(mutex_);
  return stats_;
}

template <class Connection>
void basic_group_commit<Connection>::run()
{
  std::deque<unit> batch;
  auto pause = std::chrono::milliseconds(0); // after a lost connection, before trying again
  for (;;) {
    if (pause.count() > 0)
      std::this_thread::sleep_for(pause);
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and everything queued has been written
      const auto n = std::min(queue_.size(), options_.max_batch);
      std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    commit_batch(batch);
    batch.clear();
    using std::chrono::milliseconds;
    pause = db_ ? milliseconds(0) : std::clamp(pause * 2, milliseconds(50), milliseconds(2000));
  }
}

// Each unit in its own savepoint; its outcome is known before the commit
// decides the rest. A failure of the whole batch is thrown on.
template <class Connection>
void basic_group_commit<Connection>::run_units(std::deque<unit>& batch, std::vector<boost::system::error_code>& outcome)
{
  using b = backend<Connection>;
  auto& db = *db_;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    b::exec(db, "SAVEPOINT unit");
    try {
      batch[i].w(db);
      b::exec(db, "RELEASE unit");
    } catch (const std::exception& e) {
      if (b::fails_batch(e))
        throw;
      outcome[i] = b::code_of(e);
      b::exec(db, "ROLLBACK TO unit");
      b::exec(db, "RELEASE unit");
    }
  }
}

template <class Connection>
void basic_group_commit<Connection>::commit_batch(std::deque<unit>& batch)
{
  using b = backend<Connection>;
  std::vector<boost::system::error_code> outcome(batch.size());
  boost::system::error_code batch_error;
  const auto started = std::chrono::steady_clock::now();
  bool open = false; // a transaction to roll back
  try {
    if ((!db_ || !b::healthy(*db_)) && reopen_)
      db_ = reopen_();
    b::exec(*db_, b::begin);
    open = true;
    run_units(batch, outcome);
    b::exec(*db_, "COMMIT");
  } catch (const std::exception& e) {
    batch_error = b::code_of(e);
    if (b::lost(e))
      db_.reset();
    else if (open)
      try {
        b::exec(*db_, "ROLLBACK");
      } catch (const std::exception&) {
        // A failed COMMIT may already have rolled back; nothing else to undo.
      }
  }
  batch_sizes_.observe(static_cast<double>(batch.size()));
  commit_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.units += batch.size();
    if (batch_error)
      ++stats_.failed_batches;
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i].done(batch_error ? batch_error : outcome[i]);
}

template class basic_group_commit<connection>;
template class basic_group_commit<pg_connection>;

} // namespace weshopd::store
