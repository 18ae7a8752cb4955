#include "engine/learned_poll_schedule.hpp"

#include <algorithm>

namespace weshopd::engine {

namespace {

using std::chrono::milliseconds;

milliseconds jittered(milliseconds d, double unit, double jitter)
{
  return milliseconds(static_cast<milliseconds::rep>(static_cast<double>(d.count()) * (1.0 + jitter * (2 * unit - 1))));
}

} // namespace

milliseconds learned_poll_delay(const poll_timing& t, poll_counts& c, milliseconds elapsed, const poll_plan* plan,
                                double unit, const learned_schedule_options& o)
{
  if (t.safety_poll || !plan || plan->at.empty()) // callbacks first; nothing learnt: today's back-off
    return poll_delay(t, c, true, unit);
  // The moment after the one the last poll was for (it may have come up to
  // a tenth of its wait early), or after now when the answer came late.
  const auto next = std::upper_bound(plan->at.begin(), plan->at.end(), std::max(elapsed, c.aimed_at));
  if (next == plan->at.end()) // it outlasts the plan: back off as today, from the floor again
    return std::max(t.initial, poll_delay(t, c, true, unit));
  c.failures = 0;
  c.aimed_at = *next;
  return std::max(t.initial, jittered(*next - elapsed, unit, o.jitter));
}

} // namespace weshopd::engine
