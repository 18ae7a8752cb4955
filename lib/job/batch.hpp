#pragma once
// A batch (POST /v1/batches): many jobs of one agent under one id, stored all
// or none. Its items are jobs (job.batch_id); the batch keeps their counts by
// state, what was asked for and what it cost, and its own state, derived
// from the counts (batch_state_of).

#include "common/time.hpp"
#include "job/job_state.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weshopd {

// running: an item is not finished. When all are: succeeded (every one),
// canceled (a cancel of the batch came first), failed (none succeeded),
// partially_failed (some did, some not).
enum class batch_state { running, succeeded, partially_failed, failed, canceled };

std::string_view to_string(batch_state s);
std::optional<batch_state> parse_batch_state(std::string_view text);

struct batch {
  std::string id; // UUIDv7, time-ordered
  std::string agent;
  std::string agent_version;
  boost::json::object params; // the shared params (each item's own override them)
  std::string request_hash;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> token_name;
  std::int64_t items = 0;
  std::int64_t images = 0;          // requested by all items
  std::int64_t cost = 0;            // micro-units: admitted for all items
  std::int64_t spent = 0;           // micro-units: what the items count against budgets now (reads only)
  std::int64_t images_produced = 0;
  std::array<std::int64_t, std::size(all_job_states)> counts{}; // items by job_state
  std::optional<std::string> notify_url;
  bool notify_all = false;
  std::optional<std::string> retry_of;
  std::string priority = "normal"; // each item's (high | normal | low)
  bool cancel_requested = false;
  bool held = false;
  timestamp created_at{};
  timestamp updated_at{};
  std::optional<timestamp> started_at;
  std::optional<timestamp> finished_at;

  std::int64_t count(job_state s) const { return counts[static_cast<std::size_t>(s)]; }
  std::int64_t finished() const;
};

batch_state batch_state_of(const batch& b);

} // namespace weshopd
