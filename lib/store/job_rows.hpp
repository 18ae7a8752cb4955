#pragma once
// Mapping between the jobs / job_events tables and the job structs: the
// column lists and the readers, so every query selects the same way.

#include "job/job.hpp"
#include "store/job_store.hpp"

#include <boost/json/parse.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace weshopd::store {

inline constexpr std::string_view job_columns =
  "id, agent, agent_version, input, params, state, execution_id, upstream_status, results, error_code,"
  " error_message, error_retryable, idempotency_key, request_hash, attempts, next_attempt_at, deadline_at,"
  " created_at, updated_at, finished_at, last_event_id, callback_token_hash, notify_url, notify_all, retry_of,"
  " images, unit_price, images_actual, budget_window, token_name, held, warnings,"
  " batch_id, batch_index, item_name, priority, expected_finish_at";

// The same for PostgreSQL, whose booleans are read as integers.
inline constexpr std::string_view pg_job_columns =
  "id, agent, agent_version, input, params, state, execution_id, upstream_status, results, error_code,"
  " error_message, error_retryable::int, idempotency_key, request_hash, attempts, next_attempt_at, deadline_at,"
  " created_at, updated_at, finished_at, last_event_id, callback_token_hash, notify_url, notify_all::int, retry_of,"
  " images, unit_price, images_actual, budget_window, token_name, held::int, warnings,"
  " batch_id, batch_index, item_name, priority, expected_finish_at";

// What a job counts against its budget window now (the triggers of migration
// 0007 / postgres 0005 keep budget_usage by the same rule), in SQL both take.
inline constexpr std::string_view spend_expression =
  "CASE WHEN held OR budget_window IS NULL THEN 0"
  " WHEN state = 'succeeded' THEN coalesce(images_actual, images) * unit_price"
  " WHEN state = 'failed' AND coalesce(error_code, '') <> 'submit_outcome_unknown'"
  " THEN coalesce(images_actual, 0) * unit_price"
  " WHEN state = 'canceled' AND execution_id IS NULL THEN 0"
  " ELSE images * unit_price END";

inline constexpr std::string_view event_columns = "id, job_id, from_state, to_state, at, detail";

// Selected FROM deliveries d JOIN job_events e ON e.id = d.event_id.
inline constexpr std::string_view delivery_columns =
  "d.id, d.job_id, d.event_id, d.url, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,"
  " d.created_at, d.delivered_at, e.to_state, d.batch_id";

// A transition's patch as the columns take it: JSON as text, times as unix ms
// (unset: the column stays as it is).
struct patch_columns {
  std::optional<std::string> input;
  std::optional<std::string> results;
  std::optional<std::int64_t> next_attempt_at; // (only a set time; clearing is the patch's own flag)
  std::optional<std::int64_t> expected_finish_at; // (the same)
};
patch_columns columns_of(const job_patch& patch);

// The warnings column: NULL when there are none (most jobs), else a JSON array.
std::optional<std::string> warnings_column(const boost::json::array& warnings);

// GET /v1/usage's aggregate, grouped by agent, budget day or token; the
// placeholders for the first and last window are the backend's ("?1", "$1"),
// and `token`'s, when not empty, keeps only that API token's jobs.
std::string usage_query(usage_group group, std::string_view from, std::string_view to, std::string_view token = {});

// results.mirror: a job's results gain each copy's localUrl, sha256 and
// bytes (link), or lose them again when the copies expire (unlink).
void link_copies(boost::json::array& results, const std::string& job_id, const std::vector<result_file>& files);
void unlink_copies(boost::json::array& results);

// A state as the database spells it; throws std::runtime_error for one the
// schema's CHECK should have refused.
job_state state_of(const std::string& text);

// The readers take a row of either backend: anything with text(c),
// opt_text(c), int64(c) and opt_int64(c) (a SQLite statement, a pg_row).
// Booleans are read as integers (PostgreSQL selects them ::int).
template <class Row>
std::optional<timestamp> opt_time(const Row& r, int col)
{
  const auto v = r.opt_int64(col);
  return v ? std::optional(from_unix_ms(*v)) : std::nullopt;
}

// A row that selected job_columns.
template <class Row>
job read_job(const Row& st)
{
  job j;
  j.id = st.text(0);
  j.agent = st.text(1);
  j.agent_version = st.text(2);
  j.input = boost::json::parse(st.text(3)).as_object();
  j.params = boost::json::parse(st.text(4)).as_object();
  j.state = state_of(st.text(5));
  j.execution_id = st.opt_text(6);
  j.upstream_status = st.opt_text(7);
  j.results = boost::json::parse(st.text(8)).as_array();
  if (auto code = st.opt_text(9))
    j.error = job_error{std::move(*code), st.text(10), st.int64(11) != 0};
  j.idempotency_key = st.opt_text(12);
  j.request_hash = st.text(13);
  j.attempts = static_cast<int>(st.int64(14));
  j.next_attempt_at = opt_time(st, 15);
  j.deadline_at = opt_time(st, 16);
  j.created_at = from_unix_ms(st.int64(17));
  j.updated_at = from_unix_ms(st.int64(18));
  j.finished_at = opt_time(st, 19);
  j.last_event_id = st.int64(20);
  j.callback_token_hash = st.opt_text(21);
  j.notify_url = st.opt_text(22);
  j.notify_all = st.int64(23) != 0;
  j.retry_of = st.opt_text(24);
  j.images = st.int64(25);
  j.unit_price = st.int64(26);
  j.images_actual = st.opt_int64(27);
  j.budget_window = st.opt_text(28);
  j.token_name = st.opt_text(29);
  j.held = st.int64(30) != 0;
  if (auto warnings = st.opt_text(31))
    j.warnings = boost::json::parse(*warnings).as_array();
  j.batch_id = st.opt_text(32);
  j.batch_index = st.opt_int64(33).value_or(0);
  j.item_name = st.opt_text(34);
  j.priority = st.text(35);
  j.expected_finish_at = opt_time(st, 36);
  return j;
}

// A row that selected event_columns.
template <class Row>
job_event read_event(const Row& st)
{
  job_event e;
  e.id = st.int64(0);
  e.job_id = st.text(1);
  if (auto from = st.opt_text(2))
    e.from = state_of(*from);
  e.to = state_of(st.text(3));
  e.at = from_unix_ms(st.int64(4));
  e.detail = st.text(5);
  return e;
}

// A row that selected delivery_columns.
template <class Row>
delivery read_delivery(const Row& st)
{
  delivery d;
  d.id = st.int64(0);
  d.job_id = st.text(1);
  d.event_id = st.int64(2);
  d.url = st.text(3);
  const auto state = st.text(4);
  d.state = state == "delivered" ? delivery_state::delivered
            : state == "failed"  ? delivery_state::failed
                                 : delivery_state::pending;
  d.attempts = static_cast<int>(st.int64(5));
  d.next_attempt_at = opt_time(st, 6);
  if (const auto status = st.opt_int64(7))
    d.last_status = static_cast<int>(*status);
  d.last_error = st.opt_text(8);
  d.created_at = from_unix_ms(st.int64(9));
  d.delivered_at = opt_time(st, 10);
  d.event_state = state_of(st.text(11));
  d.batch_id = st.opt_text(12);
  return d;
}

} // namespace weshopd::store
