#include "engine/poll_pacing.hpp"

#include <algorithm>

namespace weshopd::engine {

poll_bucket::poll_bucket(double per_second, timestamp now)
  : rate_(std::max(per_second, 0.1)), tokens_(rate_), refilled_(now)
{
}

void poll_bucket::refill(timestamp now)
{
  tokens_ = std::min(rate_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * rate_);
  refilled_ = now;
}

std::size_t poll_room(std::size_t max_concurrent, std::size_t in_flight, const poll_bucket& bucket)
{
  return std::min(max_concurrent - std::min(max_concurrent, in_flight), bucket.available());
}

timestamp next_wake(std::optional<timestamp> next_due, timestamp now, const poll_bucket& bucket,
                    std::optional<timestamp> budget_ready)
{
  if (!next_due)
    return now + std::chrono::hours(1);
  if (*next_due > now)
    return *next_due;
  std::optional<timestamp> at = budget_ready; // both limits must allow a poll: the later of the two
  if (bucket.tokens() < 1) {
    const auto token = now + std::chrono::milliseconds(static_cast<long>((1 - bucket.tokens()) / bucket.rate() * 1000) + 1);
    at = std::max(at.value_or(token), token);
  }
  return at.value_or(now + std::chrono::hours(1)); // only slots are short: a finishing poll wakes it
}

} // namespace weshopd::engine
