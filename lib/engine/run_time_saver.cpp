#include "engine/run_time_saver.hpp"

#include "common/log.hpp"

#include <boost/asio/steady_timer.hpp>

namespace weshopd::engine {

namespace asio = boost::asio;

asio::awaitable<void> load_run_times(keep_alive, engine_context& ctx)
{
  auto rows = co_await ctx.jobs.run_times();
  if (!rows) {
    log(log_level::warning, "run_times_unreadable", {{"error", rows.error().message()}});
    co_return;
  }
  ctx.run_times.load(*rows);
}

asio::awaitable<void> save_run_times_behind(keep_alive, engine_context& ctx)
{
  for (;;) {
    asio::steady_timer timer(ctx.executor, run_time_save_interval);
    const bool go_on = co_await sleep_unless_cancelled(timer);
    if (!go_on)
      co_return;
    save_run_times(ctx, run_time_save_interval);
  }
}

void save_run_times(engine_context& ctx, std::chrono::milliseconds every)
{
  auto rows = ctx.run_times.take_unsaved(now_ms(), every);
  if (rows.empty())
    return;
  ctx.store.async_save_run_times(std::move(rows), [](result<std::size_t> r) {
    if (!r)
      log(log_level::warning, "run_times_not_saved", {{"error", r.error().message()}});
  });
}

} // namespace weshopd::engine
