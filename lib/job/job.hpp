#pragma once
// A job as the store keeps it and the engine and API read it.

#include "common/time.hpp"
#include "job/job_state.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace weshopd {

struct job_error {
  std::string code;
  std::string message;
  bool retryable = false;

  friend bool operator==(const job_error&, const job_error&) = default;
};

struct job {
  std::string id; // UUIDv7, time-ordered
  std::string agent;
  std::string agent_version;
  boost::json::object input;
  boost::json::object params;
  job_state state = job_state::queued;
  std::optional<std::string> execution_id;
  std::optional<std::string> upstream_status;
  boost::json::array results;
  std::optional<job_error> error;
  std::optional<std::string> idempotency_key;
  std::string request_hash; // SHA-256 of the canonical request body
  int attempts = 0;
  std::optional<timestamp> next_attempt_at; // next poll, or next submit retry
  std::optional<timestamp> deadline_at;
  timestamp created_at{};
  timestamp updated_at{};
  std::optional<timestamp> finished_at;
  std::int64_t last_event_id = 0;                 // the job's latest job_events row
  std::optional<std::string> callback_token_hash; // SHA-256 hex of the run's callback token
  std::optional<std::string> notify_url;          // local webhook for this job
  bool notify_all = false;                        // notify on every transition, not only the end
  std::optional<std::string> retry_of;            // the failed or canceled job this one retries
  // Money (budget/budget_policy.hpp): images asked for, the price of each (micro-units),
  // images produced (once succeeded), the budget window it was admitted in
  // (nullopt while held), the API token it came with, and whether it waits for budget.
  std::int64_t images = 0;
  std::int64_t unit_price = 0;
  std::optional<std::int64_t> images_actual;
  std::optional<std::string> budget_window;
  std::optional<std::string> token_name;
  bool held = false;
  // What the guide is silent on but looks like a mistake, and preset ids that
  // could not be checked ({pointer, message} each); the run went as asked.
  boost::json::array warnings;
  // A batch's item (POST /v1/batches): the batch, its place in it, and its
  // name (taskName, or the input's file name) for the manifest and the ZIP.
  std::optional<std::string> batch_id;
  std::int64_t batch_index = 0;
  std::optional<std::string> item_name;
  std::string priority = "normal"; // high | normal | low: its place within its token's share
  // When its run is expected to end (the run's start + the p50 learned for its
  // agent and version: engine/run_time_estimate.hpp); shown while it runs.
  std::optional<timestamp> expected_finish_at;
};

// One row of the append-only audit trail: a state change.
struct job_event {
  std::int64_t id = 0; // increasing across all jobs
  std::string job_id;
  std::optional<job_state> from; // nullopt for the creation event
  job_state to = job_state::queued;
  timestamp at{};
  std::string detail;
};

// A local webhook to send: one per (event, url), retried until delivered.
enum class delivery_state { pending, delivered, failed };

inline std::string_view to_string(delivery_state s)
{
  switch (s) {
  case delivery_state::pending: return "pending";
  case delivery_state::delivered: return "delivered";
  case delivery_state::failed: return "failed";
  }
  return "pending";
}

struct delivery {
  std::int64_t id = 0;
  std::string job_id;
  std::int64_t event_id = 0;
  job_state event_state = job_state::queued; // the state the event moved the job to
  std::string url;
  delivery_state state = delivery_state::pending;
  int attempts = 0;
  std::optional<timestamp> next_attempt_at;
  std::optional<int> last_status;
  std::optional<std::string> last_error;
  timestamp created_at{};
  std::optional<timestamp> delivered_at;
  // Set for a batch's end (batch.<state>): the row rides on the event of the
  // item that finished the batch, and announces the batch, not that job.
  std::optional<std::string> batch_id;
};

} // namespace weshopd
