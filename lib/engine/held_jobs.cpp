#include "engine/held_jobs.hpp"

#include "common/log.hpp"
#include "store/read_async.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weshopd::engine {

namespace asio = boost::asio;

asio::awaitable<void> held_jobs::run(keep_alive self)
{
  auto& options = ctx_.options;
  for (;;) {
    // (Checked before each wait too: a cancellation during a store await leaves that await alone.)
    const bool stopped = co_await this_task_cancelled();
    if (stopped)
      break;
    const auto now = options.clock();
    const auto next_reset = options.budget->window_end(now);
    asio::system_timer t(ctx_.executor);
    t.expires_at(std::min(std::chrono::system_clock::now() + options.held_check,
                          std::chrono::system_clock::now() + (next_reset - now)));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    const bool cancelled = co_await this_task_cancelled(); // the engine stopped
    if (cancelled)
      break;
    auto held = co_await store::read_async(ctx_.store, [&] { return ctx_.store.held_jobs(1000); });
    if (!held)
      continue;
    const auto window = options.budget->window_of(options.clock());
    for (const auto& j : *held) {
      budget::admission a{window, options.budget->limits_for(j.agent, j.token_name), true};
      auto r = co_await ctx_.on_store<store::admit_result>(
        [&](auto done) { ctx_.store.async_admit_held(j.id, a, std::move(done)); });
      if (!r || !r->admitted)
        continue;
      announce_budget_alerts(ctx_, r->alerts);
      log(log_level::info, "job_admitted", {{"job", j.id}, {"window", window}});
      intake_.enqueue(self, j.id);
    }
  }
}

void announce_budget_alerts(engine_context& ctx, const std::vector<budget::budget_alert>& alerts)
{
  for (const auto& a : alerts) {
    log(a.percent >= 100 ? log_level::warning : log_level::info, "budget_alert",
        {{"window", a.window}, {"scope", a.scope}, {"percent", std::to_string(a.percent)},
         {"used", budget::format_amount(a.used)}, {"limit", budget::format_amount(a.limit)}});
    if (ctx.options.on_budget_alert)
      ctx.options.on_budget_alert(a);
  }
}

} // namespace weshopd::engine
