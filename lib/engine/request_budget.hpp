#pragma once
// The one budget of requests per second toward WeShop, shared by submits and
// polls (uploads and agent info may draw as submits). Pure: time is a
// parameter, so tests run on a fake clock; not thread-safe (the engine's
// strand owns it).
//
// A token bucket of `rate` requests per second with a burst of one second's
// worth. The rate is upstream.max_requests_per_second, or, when that is 0,
// learnt: it starts generous (`learn_start`), each 429 to a poll (a refused
// submit may mean capacity, not rate: intake.cpp) cuts it by `cut` (at
// most one cut per second: the 429s of one burst are one signal), and it
// creeps back up by `creep` requests per second once a second has passed
// without a 429, up to `learn_start` again.
//
// Submits are not starved by polls: polls may not take the bucket's last
// `submit_reserve` share (at least one token, when the burst is two or
// more), so a backlog of polls leaves
// submits that reserve, refilled at the full rate. Submits may take any
// token: their number is bounded by the concurrency window, not by the
// budget, so polls still get whatever submits leave.

#include "common/time.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace weshopd::engine {

enum class request_kind { submit, poll };

struct budget_settings {
  double max_per_second = 0;    // upstream.max_requests_per_second; 0: learn it
  double learn_start = 100;     // the generous start when learning (and the ceiling)
  double learn_floor = 0.5;     // a learnt rate never goes below this
  double cut = 0.5;             // the rate kept on a 429 when learning
  double creep = 0.5;           // requests per second regained per quiet second
  double submit_reserve = 0.25; // the share of the burst only submits may take
};

class request_budget {
public:
  request_budget(budget_settings settings, timestamp now);

  // Takes one token for a request of `kind` at `now`; false when it must wait.
  bool try_take(request_kind kind, timestamp now);
  // How many requests of `kind` may start at `now` (whole tokens above the floor).
  std::size_t available(request_kind kind, timestamp now);
  // The earliest time try_take(kind) can succeed (now when it can already).
  timestamp next_available(request_kind kind, timestamp now);
  // WeShop answered 429 at `now`: a learnt rate is cut (a configured one stays).
  // True when this 429 cut it.
  bool on_rate_limited(timestamp now);

  double rate() const { return rate_; }
  double tokens() const { return tokens_; }
  bool learning() const { return settings_.max_per_second <= 0; }
  std::uint64_t cuts() const { return cuts_; }

private:
  void advance(timestamp now); // refills tokens and creeps a learnt rate
  double burst() const { return std::max(rate_, 1.0); }
  double floor_for(request_kind kind) const; // tokens that must stay for others

  budget_settings settings_;
  double rate_;
  double tokens_;
  timestamp refilled_;
  timestamp last_cut_{};
  timestamp last_429_{};
  std::uint64_t cuts_ = 0;
};

} // namespace weshopd::engine
