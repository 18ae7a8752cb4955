#include "mirror/retention_sweep.hpp"

#include "mirror/copy_removal.hpp"

#include "common/log.hpp"
#include "common/task_group.hpp"
#include "metrics/registry.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weshopd::mirror {

namespace asio = boost::asio;
namespace fs = std::filesystem;

timestamp purge_cutoff(timestamp now, std::chrono::milliseconds retention)
{
  return now - retention;
}

struct retention_sweep::impl : std::enable_shared_from_this<impl> {
  asio::any_io_executor executor;
  store::async_jobs jobs;
  retention_sweep_options options;
  task_group loops{"retention"};

  impl(asio::any_io_executor e, store::job_store& s, retention_sweep_options o)
    : executor(std::move(e)), jobs(s), options(std::move(o))
  {
  }

  // Lets the event loop run what queued meanwhile (intake's requests).
  asio::awaitable<void> yield() { co_await asio::post(executor, asio::use_awaitable); }

  // Batches until none is due (parameters by value: GCC 12, see README).
  asio::awaitable<sweep_report> purge(timestamp cutoff)
  {
    sweep_report r;
    for (;;) {
      auto batch = co_await jobs.purge_expired(cutoff, options.batch_jobs);
      if (!batch) {
        log(log_level::warning, "retention_failed", {{"error", batch.error().message()}});
        r.failed = true;
        co_return r;
      }
      r.purged += batch->ids.size();
      r.tombstones_dropped += batch->tombstones_dropped;
      r.uploads_dropped += batch->uploads_dropped;
      for (const auto& f : batch->files) // the rows are gone: nothing points at these files now
        r.files_deleted += remove_copy(options.mirror_dir, f) ? 1 : 0;
      if (!batch->more)
        co_return r;
      co_await yield();
      const bool stopped = co_await this_task_cancelled();
      if (stopped)
        co_return r;
    }
  }

  // Pages given back, a chunk per write until the freelist is (nearly) empty.
  asio::awaitable<std::int64_t> reclaim()
  {
    std::int64_t total = 0;
    for (;;) {
      const auto freed = co_await jobs.reclaim_space(options.vacuum_pages);
      if (!freed || *freed <= 0)
        co_return total;
      total += *freed;
      if (static_cast<std::size_t>(*freed) < options.vacuum_pages)
        co_return total;
      co_await yield();
    }
  }

  asio::awaitable<sweep_report> sweep_once()
  {
    const auto started = std::chrono::steady_clock::now();
    const auto cutoff = purge_cutoff(options.clock(), options.retention);
    auto r = co_await purge(cutoff);
    if (r.purged > 0 || r.tombstones_dropped > 0) {
      const auto freed = co_await reclaim();
      r.freed_pages = freed;
    }
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    metrics::process_registry()
      .counter_of("weshopd_retention_purged_jobs_total", "Finished jobs deleted by retention (jobs.retention_days).")
      .add(r.purged);
    log(log_level::info, "retention_sweep",
        {{"purged", std::to_string(r.purged)}, {"tombstones", std::to_string(r.tombstones_dropped)},
         {"files", std::to_string(r.files_deleted)}, {"uploads", std::to_string(r.uploads_dropped)},
         {"freed_pages", std::to_string(r.freed_pages)}, {"ms", std::to_string(r.took.count())}});
    co_return r;
  }

  static asio::awaitable<void> run(std::shared_ptr<impl> self)
  {
    asio::steady_timer timer(self->executor);
    for (;;) {
      co_await self->sweep_once();
      timer.expires_after(self->options.interval);
      const bool go_on = co_await sleep_unless_cancelled(timer);
      if (!go_on)
        co_return;
    }
  }
};

retention_sweep::retention_sweep(asio::any_io_executor executor, store::job_store& store,
                                 retention_sweep_options options)
  : impl_(std::make_shared<impl>(std::move(executor), store, std::move(options)))
{
}

retention_sweep::~retention_sweep()
{
  stop();
}

void retention_sweep::start()
{
  auto run = impl::run(impl_);
  impl_->loops.spawn(impl_->executor, std::move(run));
}

void retention_sweep::stop()
{
  impl_->loops.stop();
}

asio::awaitable<void> retention_sweep::join()
{
  co_await impl_->loops.wait();
}

asio::awaitable<sweep_report> retention_sweep::sweep_once()
{
  auto self = impl_;
  co_return co_await self->sweep_once();
}

} // namespace weshopd::mirror
