#pragma once
// The job store as coroutines see it: one awaitable<result<T>> per operation,
// so a call site reads `co_await jobs.get(id)`. A thin value type over a
// job_store& (copy it freely): the store must outlive every call; the facade
// need only last until the call's co_await begins.
// Blocking callers (tools, tests) use job_store itself.
//
// Threads. Each method resumes on the caller's executor (the daemon's one
// event-loop thread), whatever thread finished the work:
// - writes go to the store's writer thread; their callback runs there once the
//   transaction is durable, and the value is posted back
//   (common/await_callback.hpp);
// - reads run inline when they are local (SQLite: cheaper than the hop), and
//   on a small pool of threads when each is a round trip to a server
//   (job_store::reads_block(), PostgreSQL: read_async.hpp), so the event loop
//   never waits on the database.
//
// GCC 12 (Debian 12's compiler) miscompiles some coroutine code (crashes and
// double frees; see README, "Coroutines and GCC 12"). Hence the shape here:
// - every parameter is taken by value: a coroutine holding a const& or a
//   string_view to a caller's temporary dangles once it suspends. Callers pass
//   named objects (lvalues), never class prvalues (a temporary std::string,
//   list_query, upload_record...): GCC 12 may destroy those twice;
// - the closures that start the work capture by reference what this
//   coroutine's frame owns (its by-value parameters) and are handed on as
//   named lvalues: a closure capturing a std::string by value and passed into
//   a coroutine or async_initiate is destroyed twice;
// - no co_await inside `?:`.
// Not thread-safe beyond the store's own guarantees: call from the executor
// whose coroutine awaits.

#include "store/job_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace weshopd::store {

class async_jobs {
public:
  template <class T>
  using awaitable = boost::asio::awaitable<result<T>>;

  explicit async_jobs(job_store& store) : store_(&store) {}

  // --- writes (done once durable; see job_store for what each means) ---
  awaitable<insert_result> insert(new_job j);
  awaitable<job> transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail);
  awaitable<bool> record_upload(upload_record upload);
  awaitable<admit_result> admit_held(std::string id, budget::admission a);
  awaitable<delivery> record_delivery(delivery_attempt attempt);
  awaitable<bool> record_mirror(std::string job_id, std::vector<result_file> files, std::string failure);
  awaitable<std::size_t> expire_mirrors(std::vector<std::string> job_ids);
  awaitable<purge_batch> purge_expired(timestamp finished_before, std::size_t max_jobs);
  awaitable<std::int64_t> reclaim_space(std::size_t max_pages);
  awaitable<batch_insert_result> insert_batch(new_batch b);
  awaitable<batch_cancel_result> cancel_batch(std::string id);

  // --- reads ---
  awaitable<job> get(std::string id);
  awaitable<job_page> list(list_query query);
  awaitable<batch> get_batch(std::string id);
  awaitable<batch_page> list_batches(batch_query query);
  awaitable<std::vector<job>> batch_items(std::string batch_id, std::int64_t from, std::size_t limit);
  awaitable<std::vector<job_event>> batch_events(std::string batch_id, std::int64_t after_event_id, std::size_t limit);
  awaitable<std::vector<job_event>> events(std::string job_id, std::int64_t after_event_id = 0);
  awaitable<std::vector<job_event>> events_after(std::int64_t after_event_id, std::size_t limit);
  awaitable<std::vector<delivery>> deliveries(std::string job_id);
  awaitable<std::vector<delivery>> due_deliveries(timestamp now, std::size_t limit);
  awaitable<std::optional<timestamp>> next_delivery_due();
  awaitable<std::optional<upload_record>> find_upload(std::string sha256);
  awaitable<std::optional<upload_record>> find_upload_by_url(std::string url);
  awaitable<std::vector<job>> unfinished();
  awaitable<std::vector<job>> mirror_backlog(std::size_t limit);
  awaitable<std::optional<result_file>> find_result_file(std::string job_id, int n);
  awaitable<std::vector<result_file>> result_files();
  awaitable<std::vector<job_count>> counts();
  awaitable<std::vector<job>> held_jobs(std::size_t limit);
  awaitable<std::map<std::string, std::int64_t>> budget_used(std::string window);
  awaitable<std::vector<usage_row>> usage(std::string from, std::string to, usage_group group,
                                          std::optional<std::string> token);
  awaitable<std::int64_t> count_finished_since(job_state state, timestamp since);
  awaitable<std::vector<run_time_row>> run_times();

  // At a stop, once the event loop has stopped and before it is destroyed:
  // interrupts a backup being made and waits until no store work runs on the
  // read pool (its completion would otherwise reach a destroyed loop, and the
  // frame awaiting it).
  static void finish_pool_work();

  // --- backups (on the read pool's threads whatever the backend: a copy takes seconds) ---
  boost::asio::awaitable<detailed_result<std::shared_ptr<backup_copy>>> backup();
  // The piece of a copy at `offset` (at most 1 MiB; empty at its end). An
  // unreadable copy is errc::storage_io.
  awaitable<std::string> read_backup(std::shared_ptr<backup_copy> copy, std::uint64_t offset);

  // Blocking work beside the store's that takes as long as a backup (a
  // batch's ZIP: reads of the store and seconds of file I/O): run on the same
  // pool, so a stopping daemon waits for it, and it should end soon once
  // pool_stopping() (finish_pool_work() began). `work` must outlive the call.
  static boost::asio::awaitable<void> on_pool(std::function<void()>& work);
  static bool pool_stopping();

  // --- work distribution (round trips on PostgreSQL: read like reads) ---
  awaitable<std::vector<job>> claim_unfinished(std::size_t limit);
  awaitable<bool> renew_lease();
  awaitable<bool> release_lease();

private:
  job_store* store_; // a pointer, so the facade is copyable
};

} // namespace weshopd::store
