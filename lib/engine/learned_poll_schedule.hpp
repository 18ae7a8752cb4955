#pragma once
// When to poll a run next, from the plan for its kind (poll_plan.hpp). Pure:
// elapsed time and jitter are parameters.
//
// - Within the plan: at its next moment after `elapsed` and after the moment
//   the last poll was aimed at (+-10 % jitter of the wait: a poll that came
//   early must not aim at its own moment again, which once polled most runs
//   twice per moment), never sooner than the floor (poll_timing::initial).
// - Past the plan's end (the runs' p99; it overstays): today's back-off
//   (poll_delay), from the floor again.
// With callbacks (safety_poll set) or no plan yet, exactly today's schedule.

#include "engine/poll_plan.hpp"
#include "engine/poll_timing.hpp"

#include <chrono>

namespace weshopd::engine {

// What the poller shows of an estimate (expectedFinishAt, GET /v1/agents).
struct run_time_quantiles {
  std::chrono::milliseconds p50{};
  std::chrono::milliseconds p90{};
};

struct learned_schedule_options {
  std::size_t min_observations = 5; // fewer: no estimate (today's schedule)
  double jitter = 0.1;              // +-10 % of a planned wait
};

// The delay after an answered poll of a run `elapsed` after its start; updates
// the counts as poll_delay does (its back-off begins only past the plan).
// `plan` may be null (nothing learnt); `unit` is jitter in [0, 1).
std::chrono::milliseconds learned_poll_delay(const poll_timing& t, poll_counts& c, std::chrono::milliseconds elapsed,
                                             const poll_plan* plan, double unit,
                                             const learned_schedule_options& o = {});

} // namespace weshopd::engine
