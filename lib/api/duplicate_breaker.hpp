#pragma once
// A circuit breaker for runaway loops: an app that POSTs the same job body
// (canonical form) again and again without an Idempotency-Key is most likely
// a bug spending money. Past `max_identical` within `window`, such requests
// are refused until the window has room again. Per daemon, in memory.

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace weshopd::api {

class duplicate_breaker {
public:
  using clock = std::chrono::steady_clock;

  duplicate_breaker(std::size_t max_identical, std::chrono::seconds window)
    : max_(max_identical), window_(window)
  {
  }

  // Counts one request with this body hash at `now`; false when it is one too many.
  bool allow(const std::string& body_hash, clock::time_point now);

  std::chrono::seconds window() const { return window_; }

private:
  void forget_before(clock::time_point cutoff);

  std::size_t max_;
  std::chrono::seconds window_;
  std::unordered_map<std::string, std::deque<clock::time_point>> seen_;
  clock::time_point last_sweep_{};
};

} // namespace weshopd::api
