#pragma once
// When a running job is polled next, and what a callback hint changes. Pure:
// time and jitter are parameters, so tests run on a fake clock.
//
// - After an answer: back-off rounds 1 s -> 30 s, or, with callbacks on, only
//   the slow safety poll. After a failed GET: back-off by failures in a row,
//   never sooner than Retry-After.
// - A callback is a hint to look now, but at most once per hint_interval
//   after the last GET; one that came during a GET pulls the next poll in to
//   `min(due, last_poll + hint_interval)`.

#include "common/time.hpp"

#include <chrono>
#include <optional>

namespace weshopd::engine {

struct poll_timing {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds cap{30000};
  std::optional<std::chrono::milliseconds> safety_poll{}; // set when callbacks are on
  std::chrono::milliseconds hint_interval{1000};
};

struct poll_counts {
  int rounds = 0;   // answers so far (drives the back-off)
  int failures = 0; // failed GETs in a row
  // The plan's moment (after the run's start) the last poll was aimed at
  // (learned_poll_schedule.hpp): a poll that jitter brought early must not
  // aim at the same moment again.
  std::chrono::milliseconds aimed_at{0};
};

// The delay after a poll; updates the counts. `unit` is jitter in [0, 1).
std::chrono::milliseconds poll_delay(const poll_timing& t, poll_counts& c, bool answered, double unit,
                                     std::optional<std::chrono::seconds> retry_after = std::nullopt);

// The next poll's due time; a hint that came during the GET pulls it in.
timestamp next_poll_due(const poll_timing& t, timestamp now, std::chrono::milliseconds delay, bool hinted,
                        timestamp last_poll);

enum class hint_action {
  remember,    // no run id yet, or a GET is on its way: acted on when it ends
  already_due, // the next poll comes soon enough: coalesced
  poll_at,     // reschedule the next poll to `at`
};
struct hint_decision {
  hint_action action;
  timestamp at{};
};

// What a callback for a followed job does (at most one GET per hint_interval).
hint_decision decide_hint(const poll_timing& t, bool run_known, bool get_in_flight, timestamp now, timestamp last_poll,
                          timestamp next_poll);

} // namespace weshopd::engine
