#pragma once
// Whether a failed upload or submit that left no run is tried again, and
// when: backing off to retry_cap for as long as the job's deadline allows
// (an outage only delays), then giving up. Pure: time and jitter are parameters.

#include "common/time.hpp"
#include "job/job.hpp"
#include "upstream/weshop_client.hpp"

#include <chrono>
#include <optional>

namespace weshopd::engine {

struct retry_plan {
  bool give_up = false; // the next try would come at or after the deadline
  int attempts = 0;     // tries so far, this failure included
  timestamp at{};       // when to try again
};

retry_plan plan_retry(timestamp now, std::optional<timestamp> deadline, int attempts_before,
                      std::chrono::milliseconds initial, std::chrono::milliseconds cap, double unit,
                      std::optional<std::chrono::seconds> retry_after = std::nullopt);

// Uploads cost nothing: anything but a definite refusal is worth another try.
bool upload_refused(const upstream::upstream_error& e);

// The job's error for an upstream failure.
job_error upstream_job_error(const upstream::upstream_error& e, bool retryable);

} // namespace weshopd::engine
