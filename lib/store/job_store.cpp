#include "store/job_store.hpp"

#include "store/postgres_job_store.hpp"
#include "store/sqlite_job_store.hpp"

#include <future>

namespace weshopd::store {

namespace {

// Runs an async write and waits for its callback.
template <class T, class Start>
result<T> wait_for(Start start)
{
  std::promise<result<T>> promise;
  auto future = promise.get_future();
  start([&promise](result<T> r) { promise.set_value(std::move(r)); });
  return future.get();
}

} // namespace

detailed_result<std::unique_ptr<job_store>> job_store::open(const job_store_options& options)
{
  if (options.backend == "sqlite")
    return sqlite_job_store::open(options);
  if (options.backend == "postgres")
    return postgres_job_store::open(options);
  return detailed_error{errc::storage_failed, "unknown store backend " + options.backend};
}

detailed_result<std::shared_ptr<backup_copy>> job_store::backup()
{
  return detailed_error{errc::storage_failed, "this store backend makes no backups of its own"};
}

result<insert_result> job_store::insert(new_job j)
{
  return wait_for<insert_result>([&](auto done) { async_insert(std::move(j), std::move(done)); });
}

result<batch_insert_result> job_store::insert_batch(new_batch b)
{
  return wait_for<batch_insert_result>([&](auto done) { async_insert_batch(std::move(b), std::move(done)); });
}

result<batch_cancel_result> job_store::cancel_batch(std::string id)
{
  return wait_for<batch_cancel_result>([&](auto done) { async_cancel_batch(std::move(id), std::move(done)); });
}

result<job> job_store::transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail)
{
  return wait_for<job>([&](auto done) {
    async_transition(std::move(id), from, to, std::move(patch), std::move(detail), std::move(done));
  });
}

result<bool> job_store::record_upload(upload_record upload)
{
  return wait_for<bool>([&](auto done) { async_record_upload(std::move(upload), std::move(done)); });
}

result<std::size_t> job_store::save_run_times(std::vector<run_time_row> rows)
{
  return wait_for<std::size_t>([&](auto done) { async_save_run_times(std::move(rows), std::move(done)); });
}

result<admit_result> job_store::admit_held(std::string id, budget::admission a)
{
  return wait_for<admit_result>([&](auto done) { async_admit_held(std::move(id), std::move(a), std::move(done)); });
}

result<delivery> job_store::record_delivery(delivery_attempt attempt)
{
  return wait_for<delivery>([&](auto done) { async_record_delivery(std::move(attempt), std::move(done)); });
}

result<bool> job_store::record_mirror(std::string job_id, std::vector<result_file> files, std::string failure)
{
  return wait_for<bool>([&](auto done) {
    async_record_mirror(std::move(job_id), std::move(files), std::move(failure), std::move(done));
  });
}

result<std::size_t> job_store::expire_mirrors(std::vector<std::string> job_ids)
{
  return wait_for<std::size_t>([&](auto done) { async_expire_mirrors(std::move(job_ids), std::move(done)); });
}

result<purge_batch> job_store::purge_expired(timestamp finished_before, std::size_t max_jobs)
{
  return wait_for<purge_batch>(
    [&](auto done) { async_purge_expired(finished_before, max_jobs, std::move(done)); });
}

result<std::int64_t> job_store::reclaim_space(std::size_t max_pages)
{
  return wait_for<std::int64_t>([&](auto done) { async_reclaim_space(max_pages, std::move(done)); });
}

} // namespace weshopd::store
