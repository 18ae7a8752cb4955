#pragma once
// weshop-sim's capacity limits, as a capacity-limited WeShop account would
// meet them (the guide: "No documented rate limits: honour HTTP 429 and
// Retry-After"), without I/O: time is a parameter, so they are testable on a
// fake clock.
//
//   max_running K: a run created while K runs are unfinished is refused; the
//     answer's Retry-After is the wait until the earliest of them finishes.
//   max_rps R: a sliding one-second window, not a token bucket: at most R
//     requests are admitted in any second; Retry-After is the wait until the
//     oldest admitted one leaves the window (whole seconds, at least 1).
//     A refused request takes no room in the window.
// The sim accepts one API key, so "per key" is every request carrying it.
// 0 means no limit. Single-threaded like sim_state.

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>

namespace weshop_sim {

struct capacity_limits {
  std::uint64_t max_running = 0;
  std::uint64_t max_rps = 0;
};

class sim_capacity {
public:
  using clock = std::chrono::steady_clock;

  void set_limits(capacity_limits limits) { limits_ = limits; }
  const capacity_limits& limits() const { return limits_; }

  // An API request carrying the key arrives at `now`: none when admitted
  // (and counted in the window), else the Retry-After in seconds.
  std::optional<std::int64_t> admit_request(clock::time_point now);
  // A valid run request at `now`: none when there is room for one more run,
  // else the Retry-After in seconds. Counts the refusal.
  std::optional<std::int64_t> admit_run(clock::time_point now);
  // A run was created; it is unfinished until `finishes`.
  void run_started(clock::time_point now, clock::time_point finishes);

  std::uint64_t unfinished(clock::time_point now);
  // {max_running, max_rps, running, peak_running, runs_refused_capacity, requests_refused_rate}
  boost::json::object stats(clock::time_point now);
  // Zeroes the counters; the peak restarts from the runs unfinished now.
  void reset(clock::time_point now);

private:
  void forget_finished(clock::time_point now);

  capacity_limits limits_;
  std::multiset<clock::time_point> finishes_; // of the unfinished runs
  std::deque<clock::time_point> window_;      // admitted requests of the last second
  std::uint64_t peak_running_ = 0;
  std::uint64_t runs_refused_ = 0;
  std::uint64_t requests_refused_ = 0;
};

// Whole seconds to wait for `d`, at least 1 (Retry-After has no fractions).
std::int64_t retry_after_seconds(std::chrono::steady_clock::duration d);

} // namespace weshop_sim
