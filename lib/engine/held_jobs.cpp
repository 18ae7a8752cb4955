#include "engine/held_jobs.hpp"

#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weshopd::engine {

namespace asio = boost::asio;

asio::awaitable<void> held_jobs::run(keep_alive self)
{
  auto& options = ctx_.options;
  for (;;) {
    const auto now = options.clock();
    const auto next_reset = options.budget->window_end(now);
    asio::system_timer t(ctx_.executor);
    t.expires_at(std::min(std::chrono::system_clock::now() + options.held_check,
                          std::chrono::system_clock::now() + (next_reset - now)));
    const bool go_on = co_await sleep_unless_cancelled(t);
    if (!go_on)
      break;
    auto held = co_await ctx_.jobs.held_jobs(1000);
    if (!held)
      continue;
    const auto at = options.clock(); // one window for the whole pass
    for (const auto& j : *held) {
      auto a = options.budget->admission_for(j.agent, j.token_name, at);
      auto r = co_await ctx_.jobs.admit_held(j.id, a);
      if (!r || !r->admitted)
        continue;
      announce_budget_alerts(ctx_, r->alerts);
      log(log_level::info, "job_admitted", {{"job", j.id}, {"window", a.window}});
      auto admitted = j;
      admitted.held = false;
      intake_.enqueue(self, admitted);
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
