#pragma once
// How fast the poll scheduler may start GETs: a token bucket of
// polls_per_second with a burst of one second's worth, within a cap on
// polls in flight. Pure: time is a parameter, so tests run on a fake clock.

#include "common/time.hpp"

#include <cstddef>
#include <optional>

namespace weshopd::engine {

class poll_bucket {
public:
  // Starts full. A rate below 0.1/s is taken as 0.1/s.
  poll_bucket(double per_second, timestamp now);

  // Adds the tokens earned since the last refill (never above the burst).
  void refill(timestamp now);
  // Whole tokens available now.
  std::size_t available() const { return static_cast<std::size_t>(tokens_); }
  void take() { tokens_ -= 1; }
  double tokens() const { return tokens_; }
  double rate() const { return rate_; }

private:
  double rate_;
  double tokens_;
  timestamp refilled_;
};

// How many due polls may start now: free concurrency slots, bounded by tokens.
std::size_t poll_room(std::size_t max_concurrent, std::size_t in_flight, const poll_bucket& bucket);

// When the scheduler should look again, given the earliest due poll (if any)
// after starting what it could. A due poll with no room waits for a token, or,
// when tokens are there but slots are not, for a poll to finish (which wakes it).
// `budget_ready`: when the shared request budget (scheduling on) next lets a
// poll start, if that budget is what holds the due polls back now; nothing
// else would wake the scheduler for it.
timestamp next_wake(std::optional<timestamp> next_due, timestamp now, const poll_bucket& bucket,
                    std::optional<timestamp> budget_ready = std::nullopt);

} // namespace weshopd::engine
