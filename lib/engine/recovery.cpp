#include "engine/recovery.hpp"

#include "common/log.hpp"
#include "engine/submit_policy.hpp"
#include "engine/transitions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <limits>
#include <stdexcept>

namespace weshopd::engine {

namespace asio = boost::asio;

namespace {
constexpr std::size_t claim_batch = 10000; // per heartbeat
}

asio::awaitable<void> recovery::resume_unfinished(keep_alive self)
{
  const auto all = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  auto claimed = co_await ctx_.jobs.claim_unfinished(all);
  if (!claimed)
    throw std::runtime_error("cannot read unfinished jobs: " + claimed.error().message());
  co_await adopt(self, *claimed);
}

asio::awaitable<void> recovery::keep_lease(keep_alive self)
{
  for (;;) {
    asio::steady_timer lease_timer(ctx_.executor, *ctx_.options.lease_heartbeat);
    const bool go_on = co_await sleep_unless_cancelled(lease_timer);
    if (!go_on)
      break;
    if (auto renewed = co_await ctx_.jobs.renew_lease(); !renewed)
      log(log_level::error, "lease_renewal_failed", {{"error", renewed.error().message()}});
    auto orphans = co_await ctx_.jobs.claim_unfinished(claim_batch);
    if (orphans && !orphans->empty()) {
      log(log_level::info, "jobs_taken_over", {{"count", std::to_string(orphans->size())}});
      co_await adopt(self, *orphans);
    }
  }
}

// Starts working on jobs found unfinished (at start, or taken over).
asio::awaitable<void> recovery::adopt(keep_alive self, std::vector<job>& jobs)
{
  for (auto& j : jobs) {
    if (intake_.follows(j.id) || poller_.follows(j.id))
      continue;
    switch (resume_for(j.state)) {
    case resume_action::drive: intake_.enqueue(self, j); break;
    case resume_action::fail_outcome_unknown: {
      const job_error error{"submit_outcome_unknown",
                            "weshopd stopped while submitting this run; WeShop may have started it, so it is not sent again",
                            true};
      co_await fail_job(ctx_, j, error);
      break;
    }
    case resume_action::follow: poller_.follow_running(j, j.next_attempt_at.value_or(now_ms())); break;
    case resume_action::none: break;
    }
  }
}

} // namespace weshopd::engine
