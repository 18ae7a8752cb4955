#include "store/async_jobs.hpp"

#include "common/await_callback.hpp"
#include "store/read_async.hpp"
#include "store/sqlite_backup.hpp"

#include <boost/asio/this_coro.hpp>

#include <atomic>

// Every method has the same shape (see async_jobs.hpp for why): it takes the
// store from the facade before its first suspension (the facade may go before
// the call ends; the store may not), names a closure capturing by reference
// what this frame owns, and awaits it through read_async or await_write below.

namespace weshopd::store {

namespace asio = boost::asio;

namespace {

// A callback write, resumed on the caller's executor once durable.
template <class T, class Start>
asio::awaitable<result<T>> await_write(Start& start)
{
  const auto executor = co_await asio::this_coro::executor;
  co_return co_await await_callback<result<T>>(executor, start);
}

} // namespace

// --- writes ---

async_jobs::awaitable<insert_result> async_jobs::insert(new_job j)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_insert(std::move(j), std::move(done)); };
  co_return co_await await_write<insert_result>(start);
}

async_jobs::awaitable<job> async_jobs::transition(std::string id, job_state from, job_state to, job_patch patch,
                                                  std::string detail)
{
  auto& s = *store_;
  const auto start = [&](auto done) {
    s.async_transition(std::move(id), from, to, std::move(patch), std::move(detail), std::move(done));
  };
  co_return co_await await_write<job>(start);
}

async_jobs::awaitable<bool> async_jobs::record_upload(upload_record upload)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_record_upload(std::move(upload), std::move(done)); };
  co_return co_await await_write<bool>(start);
}

async_jobs::awaitable<admit_result> async_jobs::admit_held(std::string id, budget::admission a)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_admit_held(std::move(id), std::move(a), std::move(done)); };
  co_return co_await await_write<admit_result>(start);
}

async_jobs::awaitable<delivery> async_jobs::record_delivery(delivery_attempt attempt)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_record_delivery(std::move(attempt), std::move(done)); };
  co_return co_await await_write<delivery>(start);
}

async_jobs::awaitable<bool> async_jobs::record_mirror(std::string job_id, std::vector<result_file> files,
                                                      std::string failure)
{
  auto& s = *store_;
  const auto start = [&](auto done) {
    s.async_record_mirror(std::move(job_id), std::move(files), std::move(failure), std::move(done));
  };
  co_return co_await await_write<bool>(start);
}

async_jobs::awaitable<std::size_t> async_jobs::expire_mirrors(std::vector<std::string> job_ids)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_expire_mirrors(std::move(job_ids), std::move(done)); };
  co_return co_await await_write<std::size_t>(start);
}

async_jobs::awaitable<purge_batch> async_jobs::purge_expired(timestamp finished_before, std::size_t max_jobs)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_purge_expired(finished_before, max_jobs, std::move(done)); };
  co_return co_await await_write<purge_batch>(start);
}

async_jobs::awaitable<std::int64_t> async_jobs::reclaim_space(std::size_t max_pages)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_reclaim_space(max_pages, std::move(done)); };
  co_return co_await await_write<std::int64_t>(start);
}

// --- reads ---

async_jobs::awaitable<job> async_jobs::get(std::string id)
{
  auto& s = *store_;
  const auto read = [&] { return s.get(id); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<batch_insert_result> async_jobs::insert_batch(new_batch b)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_insert_batch(std::move(b), std::move(done)); };
  co_return co_await await_write<batch_insert_result>(start);
}

async_jobs::awaitable<batch_cancel_result> async_jobs::cancel_batch(std::string id)
{
  auto& s = *store_;
  const auto start = [&](auto done) { s.async_cancel_batch(std::move(id), std::move(done)); };
  co_return co_await await_write<batch_cancel_result>(start);
}

async_jobs::awaitable<batch> async_jobs::get_batch(std::string id)
{
  auto& s = *store_;
  const auto read = [&] { return s.get_batch(id); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<batch_page> async_jobs::list_batches(batch_query query)
{
  auto& s = *store_;
  const auto read = [&] { return s.list_batches(query); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job>> async_jobs::batch_items(std::string batch_id, std::int64_t from,
                                                                std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.batch_items(batch_id, from, limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job_event>> async_jobs::batch_events(std::string batch_id, std::int64_t after_event_id,
                                                                        std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.batch_events(batch_id, after_event_id, limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<job_page> async_jobs::list(list_query query)
{
  auto& s = *store_;
  const auto read = [&] { return s.list(query); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job_event>> async_jobs::events(std::string job_id, std::int64_t after_event_id)
{
  auto& s = *store_;
  const auto read = [&] { return s.events(job_id, after_event_id); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job_event>> async_jobs::events_after(std::int64_t after_event_id, std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.events_after(after_event_id, limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<delivery>> async_jobs::deliveries(std::string job_id)
{
  auto& s = *store_;
  const auto read = [&] { return s.deliveries(job_id); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<delivery>> async_jobs::due_deliveries(timestamp now, std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.due_deliveries(now, limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::optional<timestamp>> async_jobs::next_delivery_due()
{
  auto& s = *store_;
  const auto read = [&] { return s.next_delivery_due(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::optional<upload_record>> async_jobs::find_upload(std::string sha256)
{
  auto& s = *store_;
  const auto read = [&] { return s.find_upload(sha256); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::optional<upload_record>> async_jobs::find_upload_by_url(std::string url)
{
  auto& s = *store_;
  const auto read = [&] { return s.find_upload_by_url(url); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job>> async_jobs::unfinished()
{
  auto& s = *store_;
  const auto read = [&] { return s.unfinished(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job>> async_jobs::mirror_backlog(std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.mirror_backlog(limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::optional<result_file>> async_jobs::find_result_file(std::string job_id, int n)
{
  auto& s = *store_;
  const auto read = [&] { return s.find_result_file(job_id, n); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<result_file>> async_jobs::result_files()
{
  auto& s = *store_;
  const auto read = [&] { return s.result_files(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<run_time_row>> async_jobs::run_times()
{
  auto& s = *store_;
  const auto read = [&] { return s.run_times(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job_count>> async_jobs::counts()
{
  auto& s = *store_;
  const auto read = [&] { return s.counts(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<job>> async_jobs::held_jobs(std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.held_jobs(limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::map<std::string, std::int64_t>> async_jobs::budget_used(std::string window)
{
  auto& s = *store_;
  const auto read = [&] { return s.budget_used(window); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::vector<usage_row>> async_jobs::usage(std::string from, std::string to, usage_group group,
                                                                std::optional<std::string> token)
{
  auto& s = *store_;
  const auto read = [&] { return s.usage(from, to, group, token); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<std::int64_t> async_jobs::count_finished_since(job_state state, timestamp since)
{
  auto& s = *store_;
  const auto read = [&] { return s.count_finished_since(state, since); };
  co_return co_await read_async(s, read);
}

// --- backups ---

namespace {

std::atomic<bool> pool_stop{false};

} // namespace

void async_jobs::finish_pool_work()
{
  pool_stop.store(true);
  interrupt_backups();
  wait_for_read_pool();
}

bool async_jobs::pool_stopping()
{
  return pool_stop.load();
}

asio::awaitable<void> async_jobs::on_pool(std::function<void()>& work)
{
  const auto run = [&work] {
    work();
    return true;
  };
  co_await on_read_pool(run);
}

asio::awaitable<detailed_result<std::shared_ptr<backup_copy>>> async_jobs::backup()
{
  auto& s = *store_;
  const auto work = [&] { return s.backup(); };
  co_return co_await on_read_pool(work);
}

async_jobs::awaitable<std::string> async_jobs::read_backup(std::shared_ptr<backup_copy> copy, std::uint64_t offset)
{
  const auto work = [&]() -> result<std::string> {
    try {
      return copy->read(offset, 1 << 20);
    } catch (const std::system_error&) {
      return errc::storage_io;
    }
  };
  co_return co_await on_read_pool(work);
}

// --- work distribution ---

async_jobs::awaitable<std::vector<job>> async_jobs::claim_unfinished(std::size_t limit)
{
  auto& s = *store_;
  const auto read = [&] { return s.claim_unfinished(limit); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<bool> async_jobs::renew_lease()
{
  auto& s = *store_;
  const auto read = [&] { return s.renew_lease(); };
  co_return co_await read_async(s, read);
}

async_jobs::awaitable<bool> async_jobs::release_lease()
{
  auto& s = *store_;
  const auto read = [&] { return s.release_lease(); };
  co_return co_await read_async(s, read);
}

} // namespace weshopd::store
