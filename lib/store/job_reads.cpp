// The store's read scripts, once for both backends (job_scripts.hpp).

#include "store/job_rows.hpp"
#include "store/job_scripts.hpp"

namespace weshopd::store::scripts {

namespace {

job read_job_row(const sql_row& r)
{
  return read_job(r);
}

std::vector<job> jobs(sql_db& db, std::string_view where, const sql_args& args = {})
{
  return all_rows(db, select_jobs(db.dialect(), where), args, read_job_row);
}

constexpr std::string_view result_file_columns = "job_id, n, path, sha256, bytes, content_type, stored_at";

result_file read_result_file(const sql_row& r)
{
  return {r.text(0), static_cast<int>(r.int64(1)), r.text(2), r.text(3), r.int64(4), r.text(5),
          from_unix_ms(r.int64(6))};
}

job_event read_event_row(const sql_row& r)
{
  return read_event(r);
}

} // namespace

std::string select_jobs(const sql_dialect& d, std::string_view where)
{
  return "SELECT " + std::string(d.job_columns) + " FROM jobs " + std::string(where);
}

result<job> get(sql_db& db, std::string_view id)
{
  auto found = first_row(db, select_jobs(db.dialect(), "WHERE id = ?1"), sql_args().add(id), read_job_row);
  if (!found) { // a miss is rare: only then is the tombstone looked up
    const auto purged = first_row(db, "SELECT 1 FROM purged_jobs WHERE id = ?1", sql_args().add(id),
                                  [](const sql_row&) { return true; });
    return purged ? errc::job_expired : errc::not_found;
  }
  return std::move(*found);
}

job_page list(sql_db& db, const list_query& query)
{
  std::string where = "WHERE 1 = 1";
  sql_args args;
  const auto filter = [&](std::string_view column, std::string_view op, const std::optional<std::string>& value) {
    if (!value)
      return;
    args.add(*value);
    where += " AND " + std::string(column) + " " + std::string(op) + " ?" + std::to_string(args.values().size());
  };
  std::optional<std::string> state;
  if (query.state)
    state = std::string(to_string(*query.state));
  filter("state", "=", state);
  filter("agent", "=", query.agent);
  filter("id", "<", query.before_id);
  filter("token_name", "=", query.token);
  filter("batch_id", "=", query.batch);
  args.add(static_cast<std::int64_t>(query.limit) + 1); // one more tells whether a next page exists
  where += " ORDER BY id DESC LIMIT ?" + std::to_string(args.values().size());
  job_page page;
  page.jobs = jobs(db, where, args);
  if (page.jobs.size() > query.limit) {
    page.jobs.resize(query.limit);
    page.next_before = page.jobs.back().id;
  }
  return page;
}

std::vector<job_event> events(sql_db& db, std::string_view job_id, std::int64_t after_event_id)
{
  return all_rows(db,
                  "SELECT " + std::string(event_columns) + " FROM job_events WHERE job_id = ?1 AND id > ?2 ORDER BY id",
                  sql_args().add(job_id).add(after_event_id), read_event_row);
}

std::vector<job_event> events_after(sql_db& db, std::int64_t after_event_id, std::size_t limit)
{
  return all_rows(db, "SELECT " + std::string(event_columns) + " FROM job_events WHERE id > ?1 ORDER BY id LIMIT ?2",
                  sql_args().add(after_event_id).add(static_cast<std::int64_t>(limit)), read_event_row);
}

std::vector<delivery> deliveries(sql_db& db, std::string_view where_order, const sql_args& args)
{
  return all_rows(db,
                  "SELECT " + std::string(delivery_columns) + " FROM deliveries d JOIN job_events e ON e.id = d.event_id " +
                    std::string(where_order),
                  args, [](const sql_row& r) { return read_delivery(r); });
}

std::optional<timestamp> next_delivery_due(sql_db& db)
{
  const auto due = first_row(db, "SELECT MIN(next_attempt_at) FROM deliveries WHERE next_attempt_at IS NOT NULL", {},
                             [](const sql_row& r) { return opt_time(r, 0); });
  return due ? *due : std::nullopt;
}

std::optional<upload_record> upload_where(sql_db& db, std::string_view column, std::string_view value)
{
  return first_row(db, "SELECT sha256, url, size FROM uploads WHERE " + std::string(column) + " = ?1",
                   sql_args().add(value),
                   [](const sql_row& r) { return upload_record{r.text(0), r.text(1), r.int64(2)}; });
}

std::vector<job> unfinished(sql_db& db)
{
  return jobs(db, "WHERE state IN ('queued', 'uploading', 'submitting', 'running') ORDER BY id");
}

std::vector<job> mirror_backlog(sql_db& db, std::size_t limit)
{
  return jobs(db, "WHERE mirror = 'pending' ORDER BY id LIMIT ?1", sql_args().add(static_cast<std::int64_t>(limit)));
}

std::optional<result_file> find_result_file(sql_db& db, std::string_view job_id, int n)
{
  return first_row(db,
                   "SELECT " + std::string(result_file_columns) + " FROM result_files WHERE job_id = ?1 AND n = ?2",
                   sql_args().add(job_id).add(n), read_result_file);
}

std::vector<result_file> result_files(sql_db& db)
{
  return all_rows(db, "SELECT " + std::string(result_file_columns) + " FROM result_files ORDER BY stored_at, job_id, n",
                  {}, read_result_file);
}

// PostgreSQL keeps several counter rows per agent and state (fewer
// conflicts between hosts); SQLite one: the sum reads both.
std::vector<job_count> counts(sql_db& db)
{
  return all_rows(db,
                  "SELECT agent, state, CAST(sum(n) AS bigint) FROM job_counts GROUP BY agent, state"
                  " HAVING sum(n) > 0 ORDER BY agent, state",
                  {}, [](const sql_row& r) { return job_count{r.text(0), r.text(1), r.int64(2)}; });
}

std::vector<run_time_row> run_times(sql_db& db)
{
  return all_rows(db, "SELECT key, histogram, updated_at FROM run_times ORDER BY key", {},
                  [](const sql_row& r) { return run_time_row{r.text(0), r.text(1), from_unix_ms(r.int64(2))}; });
}

std::vector<job> held_jobs(sql_db& db, std::size_t limit)
{
  return jobs(db, "WHERE " + std::string(db.dialect().held) + " AND state = 'queued' ORDER BY id LIMIT ?1",
              sql_args().add(static_cast<std::int64_t>(limit)));
}

std::map<std::string, std::int64_t> budget_used(sql_db& db, std::string_view window)
{
  std::map<std::string, std::int64_t> out;
  db.run("SELECT scope, used FROM budget_usage WHERE budget_window = ?1", sql_args().add(window),
         [&](const sql_row& r) { out[r.text(0)] = r.int64(1); });
  return out;
}

std::vector<usage_row> usage(sql_db& db, std::string_view from, std::string_view to, usage_group group,
                             const std::optional<std::string>& token)
{
  auto args = sql_args().add(from).add(to);
  if (token)
    args.add(*token);
  return all_rows(db, usage_query(group, "?1", "?2", token ? "?3" : ""), args, [](const sql_row& r) {
                    return usage_row{r.text(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4)};
                  });
}

std::int64_t count_finished_since(sql_db& db, job_state state, timestamp since)
{
  const auto n = first_row(db, "SELECT count(*) FROM jobs WHERE state = ?1 AND finished_at >= ?2",
                           sql_args().add(to_string(state)).add(to_unix_ms(since)),
                           [](const sql_row& r) { return r.int64(0); });
  return n.value_or(0);
}

} // namespace weshopd::store::scripts
