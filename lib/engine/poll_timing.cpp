#include "engine/poll_timing.hpp"

#include "common/backoff.hpp"

#include <algorithm>

namespace weshopd::engine {

std::chrono::milliseconds poll_delay(const poll_timing& t, poll_counts& c, bool answered, double unit,
                                     std::optional<std::chrono::seconds> retry_after)
{
  if (!answered)
    return backoff(c.failures++, t.initial, t.cap, unit, retry_after);
  c.failures = 0;
  if (t.safety_poll)
    return *t.safety_poll;
  return backoff(c.rounds++, t.initial, t.cap, unit);
}

timestamp next_poll_due(const poll_timing& t, timestamp now, std::chrono::milliseconds delay, bool hinted,
                        timestamp last_poll)
{
  const auto due = now + delay;
  // A callback came during this GET: its news may be newer than the answer.
  return hinted ? std::min(due, last_poll + t.hint_interval) : due;
}

hint_decision decide_hint(const poll_timing& t, bool run_known, bool get_in_flight, timestamp now, timestamp last_poll,
                          timestamp next_poll)
{
  if (!run_known || get_in_flight)
    return {hint_action::remember};
  const auto at = std::max(now, last_poll + t.hint_interval);
  if (next_poll <= at)
    return {hint_action::already_due, at};
  return {hint_action::poll_at, at};
}

} // namespace weshopd::engine
