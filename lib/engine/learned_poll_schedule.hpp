#pragma once
// When to poll a run next, from how long runs of its kind usually take
// (run_time_estimate.hpp). Pure: elapsed time and jitter are parameters.
//
// - Before the run's p10: sparse; one poll at p10, but never more than the
//   back-off's cap apart (a run that fails at once is still seen).
// - Between p10 and p90: dense, every max(floor, (p90 - p10) / density).
// - Between p90 and p99: every max(floor, (p99 - p90) / density), capped.
// - Past p99 (it overstays): today's back-off (poll_delay) from its start.
// Never sooner than the floor (poll_timing::initial). With callbacks
// (safety_poll set) or no estimate yet, exactly today's schedule.

#include "engine/poll_timing.hpp"

#include <chrono>
#include <optional>

namespace weshopd::engine {

// What the schedule needs of an estimate.
struct run_time_quantiles {
  std::chrono::milliseconds p10{};
  std::chrono::milliseconds p50{};
  std::chrono::milliseconds p90{};
  std::chrono::milliseconds p99{};
};

struct learned_schedule_options {
  std::size_t min_observations = 5; // fewer: no estimate (today's schedule)
  int density = 4;                  // polls across p10..p90
  double jitter = 0.1;              // +-10 % of a learned delay
};

// The delay after an answered poll of a run `elapsed` after its start; updates
// the counts as poll_delay does (its back-off begins only past p99).
// `unit` is jitter in [0, 1).
std::chrono::milliseconds learned_poll_delay(const poll_timing& t, poll_counts& c, std::chrono::milliseconds elapsed,
                                             const std::optional<run_time_quantiles>& q, double unit,
                                             const learned_schedule_options& o = {});

} // namespace weshopd::engine
