#pragma once
// The one budget of requests per second toward WeShop, shared by submits and
// polls (uploads and agent info may draw as submits). Pure: time is a
// parameter, so tests run on a fake clock; not thread-safe (the engine's
// strand owns it).
//
// A token bucket of `rate` requests per second with a burst of one second's
// worth. The rate is upstream.max_requests_per_second, or, when that is 0,
// learnt from 429s: the guide documents no limit, so there is none until
// WeShop answers a poll with 429 (a refused submit may mean capacity, not
// rate: intake.cpp). Then the rate becomes `cut` times the requests actually
// sent in the last second (or of the current rate, if lower), at most one cut
// per second (the 429s of one burst are one signal), never below
// `learn_floor`; once a second has passed without a 429 it creeps up by
// `creep` requests per second per second, with no ceiling: the next 429 cuts
// it again.
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
#include <limits>

namespace weshopd::engine {

enum class request_kind { submit, poll };

struct budget_settings {
  double max_per_second = 0;    // upstream.max_requests_per_second; 0: learn it
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

  // Requests per second; +infinity while learning and no 429 has come yet.
  double rate() const { return limited() ? rate_ : std::numeric_limits<double>::infinity(); }
  double tokens() const { return tokens_; }
  bool learning() const { return settings_.max_per_second <= 0; }
  // False while learning and no 429 has cut the rate yet: no limit then.
  bool limited() const { return !learning() || cuts_ > 0; }
  std::uint64_t cuts() const { return cuts_; }

private:
  void advance(timestamp now); // refills tokens and creeps a learnt rate
  void count_sent(timestamp now);
  double sent_per_second() const; // the requests taken in the last second
  double burst() const { return std::max(rate_, 1.0); }
  double floor_for(request_kind kind) const; // tokens that must stay for others

  budget_settings settings_;
  double rate_;
  double tokens_;
  timestamp refilled_;
  timestamp last_cut_{};
  timestamp last_429_{};
  std::uint64_t cuts_ = 0;
  // Requests taken in the second that began at second_began_, and in the one before.
  timestamp second_began_{};
  std::uint64_t sent_this_second_ = 0;
  std::uint64_t sent_last_second_ = 0;
};

} // namespace weshopd::engine
