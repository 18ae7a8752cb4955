#include "common/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace weshopd {

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                  double unit, std::optional<std::chrono::seconds> retry_after)
{
  const double exp = std::min(static_cast<double>(cap.count()),
                              static_cast<double>(base.count()) * std::pow(2.0, std::clamp(attempt, 0, 30)));
  const double jittered = exp * (0.8 + 0.4 * std::clamp(unit, 0.0, 1.0));
  auto delay = std::chrono::milliseconds(static_cast<long long>(std::min(jittered, static_cast<double>(cap.count()))));
  if (retry_after) {
    // A server asking for more than a day is capped there: we still come back.
    const auto asked = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::min(*retry_after, std::chrono::seconds(std::chrono::hours(24))));
    delay = std::max(delay, asked);
  }
  return delay;
}

} // namespace weshopd
