#pragma once
// Mapping between the jobs / job_events tables and the job structs: the
// column lists and the readers, so every query selects the same way.

#include "job/job.hpp"
#include "store/sqlite.hpp"

#include <string_view>

namespace weshopd::store {

inline constexpr std::string_view job_columns =
  "id, agent, agent_version, input, params, state, execution_id, upstream_status, results, error_code,"
  " error_message, error_retryable, idempotency_key, request_hash, attempts, next_attempt_at, deadline_at,"
  " created_at, updated_at, finished_at, last_event_id, callback_token_hash, notify_url, notify_all, retry_of";

inline constexpr std::string_view event_columns = "id, job_id, from_state, to_state, at, detail";

// Selected FROM deliveries d JOIN job_events e ON e.id = d.event_id.
inline constexpr std::string_view delivery_columns =
  "d.id, d.job_id, d.event_id, d.url, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,"
  " d.created_at, d.delivered_at, e.to_state";

// Reads the current row of a statement that selected job_columns.
job read_job(const statement& st);
// Reads the current row of a statement that selected event_columns.
job_event read_event(const statement& st);
// Reads the current row of a statement that selected delivery_columns.
delivery read_delivery(const statement& st);

} // namespace weshopd::store
