#pragma once
// How long to wait before trying again: polls, submit retries, webhook deliveries.

#include <chrono>
#include <optional>

namespace weshopd {

// Exponential backoff: base * 2^attempt, capped, with +-20% jitter from `unit`
// (a number in [0, 1)); never below what Retry-After asks.
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                  double unit, std::optional<std::chrono::seconds> retry_after = std::nullopt);

} // namespace weshopd
