#include "engine/concurrency_window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace weshopd::engine {

concurrency_window::concurrency_window(window_settings settings)
  : settings_(settings), window_(static_cast<double>(std::max<std::size_t>(settings.initial, 1))),
    threshold_(std::numeric_limits<double>::infinity()), refused_at_(std::numeric_limits<double>::infinity())
{
  clamp();
}

std::size_t concurrency_window::bound() const
{
  const auto b = settings_.max_running > 0 ? settings_.max_running : settings_.learn_ceiling;
  return std::max<std::size_t>(b, 1);
}

std::size_t concurrency_window::limit() const
{
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::floor(window_)), 1, bound());
}

void concurrency_window::clamp()
{
  window_ = std::clamp(window_, 1.0, static_cast<double>(bound()));
}

void concurrency_window::on_accepted(std::uint64_t ticket, std::size_t in_flight)
{
  if (ticket < recovery_from_)
    return; // sent under the window before the last cut: says nothing of the new one
  in_storm_ = false;
  // AIMDLimit's rule: a window less than half used says nothing about capacity.
  if (static_cast<double>(in_flight) * 2 < window_)
    return;
  const bool probing = window_ >= refused_at_;
  window_ += slow_start() ? 1.0 : 1.0 / (window_ * (probing ? settings_.probe_rounds : 1.0));
  clamp();
}

bool concurrency_window::on_refused(std::uint64_t ticket, std::size_t in_flight)
{
  if (ticket < recovery_from_)
    return false; // sent before the last cut: that cut already answered this round
  if (in_flight == 0)
    return false; // none of ours runs: not our concurrency (the pause and the budget answer it)
  const double used = std::min(window_, static_cast<double>(in_flight));
  window_ = std::max(1.0, std::floor(used * settings_.backoff));
  // The first cut of a storm remembers where refusals began: after it, slow
  // start climbs straight back to the cut, additive growth to where
  // refusals began, and a slow probe past it.
  if (!in_storm_) {
    threshold_ = std::max(1.0, window_);
    refused_at_ = used;
  }
  in_storm_ = true;
  recovery_from_ = next_ticket_;
  ++cuts_;
  clamp();
  return true;
}

void concurrency_window::set_max_running(std::size_t max_running)
{
  settings_.max_running = max_running;
  clamp();
}

} // namespace weshopd::engine
