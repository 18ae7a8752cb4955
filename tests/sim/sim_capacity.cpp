#include "sim_capacity.hpp"

#include <algorithm>

namespace weshop_sim {

using namespace std::chrono_literals;

std::int64_t retry_after_seconds(std::chrono::steady_clock::duration d)
{
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(d).count();
  return std::max<std::int64_t>(seconds, 1);
}

void sim_capacity::forget_finished(clock::time_point now)
{
  finishes_.erase(finishes_.begin(), finishes_.upper_bound(now));
  while (!window_.empty() && window_.front() + 1s <= now)
    window_.pop_front();
}

std::optional<std::int64_t> sim_capacity::admit_request(clock::time_point now)
{
  forget_finished(now);
  if (limits_.max_rps > 0 && window_.size() >= limits_.max_rps) {
    ++requests_refused_;
    return retry_after_seconds(window_.front() + 1s - now);
  }
  window_.push_back(now);
  // A lowered limit leaves more than it allows: they age out of the window.
  return std::nullopt;
}

std::optional<std::int64_t> sim_capacity::admit_run(clock::time_point now)
{
  forget_finished(now);
  if (limits_.max_running == 0 || finishes_.size() < limits_.max_running)
    return std::nullopt;
  ++runs_refused_;
  // With K unfinished, room comes when the (size - K + 1)-th earliest finishes.
  const auto room_at = std::next(finishes_.begin(), static_cast<std::ptrdiff_t>(finishes_.size() - limits_.max_running));
  return retry_after_seconds(*room_at - now);
}

void sim_capacity::run_started(clock::time_point now, clock::time_point finishes)
{
  forget_finished(now);
  finishes_.insert(finishes);
  peak_running_ = std::max<std::uint64_t>(peak_running_, finishes_.size());
}

std::uint64_t sim_capacity::unfinished(clock::time_point now)
{
  forget_finished(now);
  return finishes_.size();
}

boost::json::object sim_capacity::stats(clock::time_point now)
{
  return {{"max_running", limits_.max_running},
          {"max_rps", limits_.max_rps},
          {"running", unfinished(now)},
          {"peak_running", peak_running_},
          {"runs_refused_capacity", runs_refused_},
          {"requests_refused_rate", requests_refused_}};
}

void sim_capacity::reset(clock::time_point now)
{
  runs_refused_ = requests_refused_ = 0;
  peak_running_ = unfinished(now);
}

} // namespace weshop_sim
