// The store's write scripts, once for both backends (job_scripts.hpp).

#include "store/job_rows.hpp"
#include "store/job_scripts.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace weshopd::store::scripts {

namespace {

std::optional<job> first_job(sql_db& db, const std::string& sql, const sql_args& args)
{
  return first_row(db, sql, args, [](const sql_row& r) { return read_job(r); });
}

std::optional<std::string_view> state_text(std::optional<job_state> s)
{
  return s ? std::optional(to_string(*s)) : std::nullopt;
}

// Writes the event row, makes it the job's latest, and queues the job's
// local webhook for it. Returns the event id.
std::int64_t insert_event(sql_db& db, const job& j, std::optional<job_state> from, job_state to, timestamp at,
                          const std::string& detail)
{
  const auto id = first_row(db,
                            "INSERT INTO job_events (job_id, from_state, to_state, at, detail)"
                            " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                            sql_args().add(j.id).add(state_text(from)).add(to_string(to)).add(to_unix_ms(at)).add(detail),
                            [](const sql_row& r) { return r.int64(0); });
  db.run("UPDATE jobs SET last_event_id = ?1 WHERE id = ?2", sql_args().add(id.value()).add(j.id));
  if (j.notify_url && (j.notify_all || is_terminal(to)))
    db.run("INSERT INTO deliveries (job_id, event_id, url, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
           sql_args().add(j.id).add(*id).add(*j.notify_url).add(to_unix_ms(at)));
  return *id;
}

// The job an Idempotency-Key already names (keys are per API token: the
// unique index of migration 0008 / postgres 0006 has the same expression).
std::optional<result<insert_result>> by_key(sql_db& db, const new_job& j)
{
  auto found = first_job(db, select_jobs(db.dialect(), "WHERE coalesce(token_name, '') = ?1 AND idempotency_key = ?2"),
                         sql_args().add(j.token_name.value_or("")).add(*j.idempotency_key));
  if (!found)
    return std::nullopt;
  if (found->request_hash != j.request_hash)
    return result<insert_result>(errc::idempotency_conflict);
  return result<insert_result>(insert_result{std::move(*found), false});
}

// Another host may insert the same key meanwhile: ON CONFLICT waits for its
// commit and inserts nothing (the row is then read by key).
std::string insert_sql(const sql_dialect& d)
{
  const std::string claim_column = d.claims_jobs ? ", claimed_by" : "";
  const std::string claim_value = d.claims_jobs ? ", ?23" : "";
  return "INSERT INTO jobs (id, agent, agent_version, input, params, state, request_hash, idempotency_key,"
         " deadline_at, created_at, updated_at, notify_url, notify_all, retry_of, images, unit_price,"
         " budget_window, token_name, held, warnings, batch_id, batch_index, item_name, priority" + claim_column +
         ") VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
         " ?19, ?20, ?21, ?22" + claim_value + ")"
         " ON CONFLICT DO NOTHING RETURNING " + std::string(d.job_columns);
}

sql_args insert_args(const sql_dialect& d, const new_job& j, const write_context& c, bool held)
{
  std::optional<std::int64_t> deadline;
  if (j.deadline_at)
    deadline = to_unix_ms(*j.deadline_at);
  std::optional<std::string> window;
  if (!held)
    window = j.admit.window;
  auto args = sql_args().add(c.new_id).add(j.agent).add(j.agent_version).add(boost::json::serialize(j.input));
  args.add(boost::json::serialize(j.params)).add(j.request_hash).add(j.idempotency_key).add(deadline);
  args.add(to_unix_ms(c.now)).add(j.notify_url).add(j.notify_all).add(j.retry_of).add(j.images).add(j.unit_price);
  args.add(window).add(j.token_name).add(held).add(warnings_column(j.warnings));
  std::optional<std::int64_t> index;
  if (j.batch_id)
    index = j.batch_index;
  args.add(j.batch_id).add(index).add(j.item_name).add(j.priority);
  if (d.claims_jobs)
    args.add(c.owner);
  return args;
}

} // namespace

// What each of a's limits has committed in its window, and the alert already
// sent for it. Where the dialect locks rows (PostgreSQL) they stay locked until
// the commit, always in the order of a.limits (global, agent, token), so that
// concurrent admissions on any host queue here instead of both passing.
window_usage usage_of(sql_db& db, const budget::admission& a)
{
  const auto& d = db.dialect();
  const auto select =
    "SELECT used, alerted FROM budget_usage WHERE budget_window = ?1 AND scope = ?2" + std::string(d.for_update);
  window_usage u;
  for (const auto& l : a.limits) {
    const auto args = sql_args().add(a.window).add(l.scope);
    if (d.lock_rows)
      db.run("INSERT INTO budget_usage (budget_window, scope) VALUES (?1, ?2) ON CONFLICT DO NOTHING", args);
    const auto row = first_row(db, select, args, [](const sql_row& r) { return std::pair(r.int64(0), r.int64(1)); });
    u.used.push_back(row ? row->first : 0);
    u.alerted.push_back(row ? static_cast<int>(row->second) : 0);
  }
  return u;
}

// Admits `cost` into a's window: the thresholds it crosses, marked as sent.
std::vector<budget::budget_alert> announce(sql_db& db, const budget::admission& a, const window_usage& u,
                                           budget::micros cost)
{
  auto alerts = budget::crossings(a, u.used, u.alerted, cost);
  for (const auto& alert : alerts)
    db.run("INSERT INTO budget_usage (budget_window, scope, alerted) VALUES (?1, ?2, ?3)"
           " ON CONFLICT (budget_window, scope) DO UPDATE SET alerted = ?3",
           sql_args().add(alert.window).add(alert.scope).add(alert.percent));
  return alerts;
}

job insert_job_row(sql_db& db, const new_job& j, const write_context& c, bool held)
{
  auto row = first_job(db, insert_sql(db.dialect()), insert_args(db.dialect(), j, c, held));
  if (!row)
    throw std::runtime_error("a new job's id is taken: " + c.new_id);
  row->last_event_id = insert_event(db, *row, std::nullopt, job_state::queued, c.now,
                                    held ? "held: budget_exhausted" : "created");
  return std::move(*row);
}

result<insert_result> insert(sql_db& db, const new_job& j, const write_context& c)
{
  if (j.idempotency_key)
    if (auto existing = by_key(db, j))
      return std::move(*existing);
  // Admission: the check and the insert are one transaction (and on
  // PostgreSQL the budget rows are locked), so they are atomic.
  const auto cost = j.images * j.unit_price;
  const auto usage = usage_of(db, j.admit);
  const bool over = !budget::fits(j.admit.limits, usage.used, cost);
  if (over && !j.admit.hold_when_over)
    return errc::budget_exceeded;
  auto row = first_job(db, insert_sql(db.dialect()), insert_args(db.dialect(), j, c, over));
  if (!row) {
    auto existing = by_key(db, j);
    return existing ? std::move(*existing) : result<insert_result>(errc::stale_state);
  }
  row->last_event_id = insert_event(db, *row, std::nullopt, job_state::queued, c.now,
                                    over ? "held: budget_exhausted" : "created");
  std::vector<budget::budget_alert> alerts;
  if (!over)
    alerts = announce(db, j.admit, usage, cost);
  return insert_result{std::move(*row), true, std::move(alerts)};
}

namespace {

// One statement for every patch: a flag per member says whether it is set.
std::string patch_sql(const sql_dialect& d)
{
  return "UPDATE jobs SET state = ?1,"
         " input = CASE WHEN CAST(?20 AS boolean) THEN CAST(?21 AS text) ELSE input END,"
         " execution_id = CASE WHEN CAST(?2 AS boolean) THEN CAST(?3 AS text) ELSE execution_id END,"
         " upstream_status = CASE WHEN CAST(?4 AS boolean) THEN CAST(?5 AS text) ELSE upstream_status END,"
         " results = CASE WHEN CAST(?6 AS boolean) THEN CAST(?7 AS text) ELSE results END,"
         " error_code = CASE WHEN CAST(?8 AS boolean) THEN CAST(?9 AS text) ELSE error_code END,"
         " error_message = CASE WHEN CAST(?8 AS boolean) THEN CAST(?10 AS text) ELSE error_message END,"
         " error_retryable = CASE WHEN CAST(?8 AS boolean) THEN CAST(?11 AS boolean) ELSE error_retryable END,"
         " attempts = CASE WHEN CAST(?12 AS boolean) THEN CAST(?13 AS integer) ELSE attempts END,"
         " next_attempt_at = CASE WHEN CAST(?16 AS boolean) THEN NULL"
         " WHEN CAST(?14 AS boolean) THEN CAST(?15 AS bigint) ELSE next_attempt_at END,"
         " updated_at = CAST(?17 AS bigint),"
         " finished_at = CASE WHEN CAST(?16 AS boolean) THEN CAST(?17 AS bigint) ELSE NULL END,"
         " callback_token_hash = CASE WHEN CAST(?22 AS boolean) THEN CAST(?23 AS text) ELSE callback_token_hash END,"
         " mirror = CASE WHEN CAST(?24 AS boolean) THEN 'pending' ELSE mirror END,"
         " images_actual = CASE WHEN CAST(?25 AS boolean) THEN CAST(?26 AS bigint) ELSE images_actual END,"
         " expected_finish_at = CASE WHEN CAST(?27 AS boolean) THEN CAST(?28 AS bigint) ELSE expected_finish_at END"
         " WHERE id = ?18 AND state = ?19 RETURNING " + std::string(d.job_columns);
}

sql_args patch_args(const std::string& id, job_state from, job_state to, const job_patch& patch, timestamp now)
{
  const auto& error = patch.error ? *patch.error : std::nullopt;
  const auto [input, results, next_attempt, expected_finish] = columns_of(patch);
  sql_args args;
  args.add(to_string(to)).add(patch.execution_id.has_value()).add(patch.execution_id);
  args.add(patch.upstream_status.has_value()).add(patch.upstream_status).add(results.has_value()).add(results);
  args.add(patch.error.has_value()).add(error ? std::optional(error->code) : std::nullopt);
  args.add(error ? std::optional(error->message) : std::nullopt);
  args.add(error ? std::optional<bool>(error->retryable) : std::nullopt);
  args.add(patch.attempts.has_value()).add(patch.attempts).add(patch.next_attempt_at.has_value()).add(next_attempt);
  args.add(is_terminal(to)).add(to_unix_ms(now)).add(id).add(to_string(from)).add(input.has_value()).add(input);
  args.add(patch.callback_token_hash.has_value()).add(patch.callback_token_hash).add(patch.mirror_results);
  args.add(patch.images_actual.has_value()).add(patch.images_actual);
  args.add(patch.expected_finish_at.has_value()).add(expected_finish);
  return args;
}

} // namespace

result<job> transition(sql_db& db, const std::string& id, job_state from, job_state to, const job_patch& patch,
                       const std::string& detail, const write_context& c)
{
  // RETURNING: the row as written, without a second lookup.
  auto updated = first_job(db, patch_sql(db.dialect()), patch_args(id, from, to, patch, c.now));
  if (!updated) {
    auto current = get(db, id);
    return current ? result<job>(errc::stale_state) : current;
  }
  if (from != to) {
    updated->last_event_id = insert_event(db, *updated, from, to, c.now, detail);
    if (updated->batch_id)
      count_batch_item(db, *updated, from, to, c);
  }
  return std::move(*updated);
}

result<admit_result> admit_held(sql_db& db, const std::string& id, const budget::admission& a, const write_context& c)
{
  const auto& d = db.dialect();
  auto current = first_job(db, select_jobs(d, "WHERE id = ?1") + std::string(d.for_update), sql_args().add(id));
  if (!current)
    return errc::not_found;
  if (!current->held || current->state != job_state::queued)
    return admit_result{std::move(*current), false, {}};
  const auto cost = current->images * current->unit_price;
  const auto usage = usage_of(db, a);
  if (!budget::fits(a.limits, usage.used, cost))
    return admit_result{std::move(*current), false, {}};
  // It joins the window now, and its deadline restarts from now.
  const auto admit = "UPDATE jobs SET held = FALSE, budget_window = ?1, updated_at = ?2,"
                     " deadline_at = CASE WHEN deadline_at IS NULL THEN NULL ELSE ?2 + (deadline_at - created_at) END"
                     " WHERE id = ?3 AND " + std::string(d.held) + " RETURNING " + std::string(d.job_columns);
  auto admitted = first_job(db, admit, sql_args().add(a.window).add(to_unix_ms(c.now)).add(id));
  if (!admitted)
    return errc::stale_state;
  auto alerts = announce(db, a, usage, cost);
  return admit_result{std::move(*admitted), true, std::move(alerts)};
}

result<bool> record_upload(sql_db& db, const upload_record& upload, const write_context& c)
{
  return db.run("INSERT INTO uploads (sha256, url, size, uploaded_at) VALUES (?1, ?2, ?3, ?4)"
                " ON CONFLICT (sha256) DO NOTHING",
                sql_args().add(upload.sha256).add(upload.url).add(upload.size).add(to_unix_ms(c.now))) > 0;
}

result<std::size_t> save_run_times(sql_db& db, const std::vector<run_time_row>& rows)
{
  std::size_t written = 0;
  for (const auto& r : rows)
    written += static_cast<std::size_t>(
      db.run("INSERT INTO run_times (key, histogram, updated_at) VALUES (?1, ?2, ?3)"
             " ON CONFLICT (key) DO UPDATE SET histogram = excluded.histogram, updated_at = excluded.updated_at",
             sql_args().add(r.key).add(r.histogram).add(to_unix_ms(r.updated_at))));
  return written;
}

result<delivery> record_delivery(sql_db& db, const delivery_attempt& attempt, const write_context& c)
{
  std::optional<std::int64_t> retry_at;
  if (attempt.retry_at)
    retry_at = to_unix_ms(*attempt.retry_at);
  const std::string_view state = attempt.delivered ? "delivered" : retry_at ? "pending" : "failed";
  std::optional<std::string> error;
  if (!attempt.error.empty())
    error = attempt.error;
  const auto changed =
    db.run("UPDATE deliveries SET state = ?2, attempts = attempts + 1, last_status = ?3, last_error = ?4,"
           " next_attempt_at = CASE WHEN ?2 = 'pending' THEN CAST(?5 AS bigint) ELSE NULL END,"
           " delivered_at = CASE WHEN ?2 = 'delivered' THEN CAST(?6 AS bigint) ELSE NULL END"
           " WHERE id = ?1 AND state = 'pending'",
           sql_args().add(attempt.id).add(state).add(attempt.status).add(error).add(retry_at).add(to_unix_ms(c.now)));
  if (changed == 0)
    return errc::stale_state; // unknown, or already settled
  auto rows = deliveries(db, "WHERE d.id = ?1", sql_args().add(attempt.id));
  return std::move(rows.front());
}

namespace {

// A job's results array, for a write that changes its items.
boost::json::array read_results(sql_db& db, const std::string& job_id)
{
  const auto text = first_row(db, "SELECT results FROM jobs WHERE id = ?1", sql_args().add(job_id),
                              [](const sql_row& r) { return r.text(0); });
  return text ? boost::json::parse(*text).as_array() : boost::json::array();
}

std::int64_t write_results(sql_db& db, const std::string& job_id, const boost::json::array& results,
                           std::string_view mirror)
{
  return db.run("UPDATE jobs SET results = ?1, mirror = ?2 WHERE id = ?3",
                sql_args().add(boost::json::serialize(results)).add(mirror).add(job_id));
}

} // namespace

result<bool> record_mirror(sql_db& db, const std::string& job_id, const std::vector<result_file>& files,
                           const std::string& failure, const write_context& c)
{
  auto results = read_results(db, job_id);
  for (const auto& f : files)
    db.run("INSERT INTO result_files (job_id, n, path, sha256, bytes, content_type, stored_at)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (job_id, n) DO UPDATE SET path = excluded.path,"
           " sha256 = excluded.sha256, bytes = excluded.bytes, content_type = excluded.content_type,"
           " stored_at = excluded.stored_at",
           sql_args().add(job_id).add(f.n).add(f.path).add(f.sha256).add(f.bytes).add(f.content_type).add(
             to_unix_ms(c.now)));
  link_copies(results, job_id, files);
  return write_results(db, job_id, results, failure.empty() ? "done" : "failed") > 0;
}

result<std::size_t> expire_mirrors(sql_db& db, const std::vector<std::string>& job_ids)
{
  std::size_t expired = 0;
  for (const auto& id : job_ids) {
    db.run("DELETE FROM result_files WHERE job_id = ?1", sql_args().add(id));
    auto results = read_results(db, id);
    unlink_copies(results);
    expired += static_cast<std::size_t>(write_results(db, id, results, "expired"));
  }
  return expired;
}

} // namespace weshopd::store::scripts
