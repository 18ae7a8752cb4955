#include "api/duplicate_breaker.hpp"

namespace weshopd::api {

bool duplicate_breaker::allow(const std::string& body_hash, clock::time_point now)
{
  const auto cutoff = now - window_;
  if (now - last_sweep_ > window_) // bodies seen once long ago cost nothing after this
    forget_before(cutoff);
  auto& times = seen_[body_hash];
  while (!times.empty() && times.front() <= cutoff)
    times.pop_front();
  if (times.size() >= max_)
    return false;
  times.push_back(now);
  return true;
}

void duplicate_breaker::forget_before(clock::time_point cutoff)
{
  last_sweep_ = cutoff + window_;
  for (auto it = seen_.begin(); it != seen_.end();) {
    while (!it->second.empty() && it->second.front() <= cutoff)
      it->second.pop_front();
    it = it->second.empty() ? seen_.erase(it) : std::next(it);
  }
}

} // namespace weshopd::api
