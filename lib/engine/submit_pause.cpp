#include "engine/submit_pause.hpp"

#include <algorithm>

namespace weshopd::engine {

submit_pause::effect submit_pause::on_retry_after(timestamp now, std::chrono::milliseconds wait)
{
  const auto deadline = now + std::min(wait, longest_);
  if (deadline <= now)
    return effect::none;
  if (!paused(now)) {
    until_ = deadline;
    ++pauses_;
    return effect::started;
  }
  if (deadline <= *until_)
    return effect::none; // inside the pause already running
  until_ = deadline;
  ++extensions_;
  return effect::extended;
}

std::optional<timestamp> submit_pause::until(timestamp now) const
{
  if (!paused(now))
    return std::nullopt;
  return until_;
}

} // namespace weshopd::engine
