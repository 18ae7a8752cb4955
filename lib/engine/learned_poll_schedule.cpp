#include "engine/learned_poll_schedule.hpp"

#include <algorithm>

namespace weshopd::engine {

namespace {

using std::chrono::milliseconds;

milliseconds jittered(milliseconds d, double unit, double jitter)
{
  return milliseconds(static_cast<milliseconds::rep>(static_cast<double>(d.count()) * (1.0 + jitter * (2 * unit - 1))));
}

// The learned delay, before jitter and the floor; nullopt past p99.
std::optional<milliseconds> learned_step(const poll_timing& t, milliseconds elapsed, const run_time_quantiles& q,
                                         int density)
{
  if (elapsed < q.p10) // early: wait for the low quantile, at most the cap
    return std::min(q.p10 - elapsed, t.cap);
  if (elapsed < q.p90)
    return std::min((q.p90 - q.p10) / density, t.cap);
  if (elapsed < q.p99)
    return std::min({(q.p99 - q.p90) / density, q.p99 - elapsed, t.cap});
  return std::nullopt;
}

} // namespace

milliseconds learned_poll_delay(const poll_timing& t, poll_counts& c, milliseconds elapsed,
                                const std::optional<run_time_quantiles>& q, double unit,
                                const learned_schedule_options& o)
{
  if (t.safety_poll || !q) // callbacks first; no estimate: today's back-off
    return poll_delay(t, c, true, unit);
  const auto step = learned_step(t, elapsed, *q, std::max(1, o.density));
  if (!step) // it overstays its p99: back off as today, from the floor again
    return std::max(t.initial, poll_delay(t, c, true, unit));
  c.failures = 0;
  return std::max(t.initial, jittered(*step, unit, o.jitter));
}

} // namespace weshopd::engine
