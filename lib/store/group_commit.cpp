#include "store/group_commit.hpp"

#include <chrono>
#include <exception>

namespace weshopd::store {

group_commit::group_commit(std::unique_ptr<connection> db, group_commit_options options)
  : db_(std::move(db)), options_(options),
    batch_sizes_(metrics::process_registry().histogram_of(
      "weshopd_store_commit_writes", "Writes per SQLite transaction (group commit).", {},
      {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
    commit_seconds_(metrics::process_registry().histogram_of(
      "weshopd_store_commit_duration_seconds", "Time to run and durably commit one group of writes.", {},
      metrics::latency_buckets())),
    thread_([this] { run(); })
{
}

group_commit::~group_commit()
{
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

boost::system::error_code group_commit::submit(work w, completion done)
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

group_commit::statistics group_commit::stats() const
{
  std::lock_guard lock(mutex_);
  return stats_;
}

void group_commit::run()
{
  std::deque<unit> batch;
  for (;;) {
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
  }
}

void group_commit::commit_batch(std::deque<unit>& batch)
{
  // Each unit's own outcome, known before the commit decides the rest.
  std::vector<boost::system::error_code> outcome(batch.size());
  boost::system::error_code batch_error;
  const auto started = std::chrono::steady_clock::now();
  try {
    transaction tx(*db_);
    // (Savepoints as cached statements: exec() would parse them for every unit.)
    for (std::size_t i = 0; i < batch.size(); ++i) {
      db_->prepare("SAVEPOINT unit")->step();
      try {
        batch[i].w(*db_);
        db_->prepare("RELEASE unit")->step();
      } catch (const sqlite_error& e) {
        if (e.is_fatal())
          throw;
        outcome[i] = e.to_errc();
        db_->prepare("ROLLBACK TO unit")->step();
        db_->prepare("RELEASE unit")->step();
      } catch (const std::exception&) {
        // A unit's own bug (bad JSON, bad_alloc): undo just that unit.
        outcome[i] = errc::storage_failed;
        db_->prepare("ROLLBACK TO unit")->step();
        db_->prepare("RELEASE unit")->step();
      }
    }
    tx.commit();
  } catch (const sqlite_error& e) {
    batch_error = e.to_errc();
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

} // namespace weshopd::store
