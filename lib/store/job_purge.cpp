// Retention's write script (job_store::async_purge_expired), once for both
// backends: one short transaction per batch, on the group-commit writer.

#include "store/job_rows.hpp"
#include "store/job_scripts.hpp"

#include <boost/json/parse.hpp>

#include <set>

namespace weshopd::store::scripts {

namespace {

// A finished job about to go, with what its day's usage must keep of it.
struct purgeable {
  std::string id;
  std::string agent;
  std::optional<std::string> window;
  std::string token;
  std::string input;
  std::int64_t finished_at = 0;
  std::int64_t images = 0;
  std::int64_t produced = 0;
  std::int64_t spend = 0;
};

purgeable read_purgeable(const sql_row& r)
{
  return {r.text(0), r.text(1), r.opt_text(2), r.text(3), r.text(4),
          r.int64(5), r.int64(6), r.int64(7), r.int64(8)};
}

// The job's figures join its (window, agent, token) row of usage_purged.
void roll_up_usage(sql_db& db, const purgeable& p)
{
  if (!p.window)
    return; // never admitted (held): usage() never counted it
  db.run("INSERT INTO usage_purged (budget_window, agent, token_name, jobs, images_requested, images_produced, spend)"
         " VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6) ON CONFLICT (budget_window, agent, token_name) DO UPDATE SET"
         " jobs = usage_purged.jobs + 1,"
         " images_requested = usage_purged.images_requested + excluded.images_requested,"
         " images_produced = usage_purged.images_produced + excluded.images_produced,"
         " spend = usage_purged.spend + excluded.spend",
         sql_args().add(*p.window).add(p.agent).add(p.token).add(p.images).add(p.produced).add(p.spend));
}

// Deletes one job and what hangs off it; leaves its tombstone. The
// Idempotency-Key is a column of the row: it is free again afterwards. Its
// usage is rolled up only when this transaction deleted the row: on
// PostgreSQL another daemon's sweep may have purged it meanwhile.
void purge_one(sql_db& db, const purgeable& p, const write_context& c, purge_batch& out)
{
  const auto id = sql_args().add(p.id);
  std::vector<std::string> files;
  db.run("SELECT path FROM result_files WHERE job_id = ?1", id, [&](const sql_row& r) { files.push_back(r.text(0)); });
  db.run("DELETE FROM result_files WHERE job_id = ?1", id);
  db.run("DELETE FROM deliveries WHERE job_id = ?1", id);
  db.run("DELETE FROM job_events WHERE job_id = ?1", id);
  if (db.run("DELETE FROM jobs WHERE id = ?1", id) == 0)
    return;
  roll_up_usage(db, p);
  db.run("INSERT INTO purged_jobs (id, finished_at, purged_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
         sql_args().add(p.id).add(p.finished_at).add(to_unix_ms(c.now)));
  out.ids.push_back(p.id);
  out.files.insert(out.files.end(), files.begin(), files.end());
}

// Every string in a job's input: uploaded inputs are WeShop URLs there.
void strings_of(const boost::json::value& v, std::set<std::string>& out)
{
  if (const auto* s = v.if_string())
    out.insert(std::string(*s));
  else if (const auto* a = v.if_array())
    for (const auto& item : *a)
      strings_of(item, out);
  else if (const auto* o = v.if_object())
    for (const auto& [key, item] : *o)
      strings_of(item, out);
}

// An upload row is shared by every job that used its content. It goes when a
// purged job used it, it was uploaded before the cutoff (so the job that
// uploaded it is as old as the purged ones), and no live job names its URL
// (the live jobs are few: jobs_by_state). A kept finished job of the same
// content loses only the dashboard's link back to the local copy; the next
// job with that content uploads it again.
std::size_t drop_uploads(sql_db& db, const std::vector<purgeable>& purged, std::int64_t cutoff)
{
  std::set<std::string> urls;
  for (const auto& p : purged) {
    boost::system::error_code ec;
    const auto input = boost::json::parse(p.input, ec);
    if (!ec)
      strings_of(input, urls);
  }
  std::size_t dropped = 0;
  for (const auto& url : urls) {
    if (url.rfind("http", 0) != 0)
      continue;
    dropped += static_cast<std::size_t>(db.run(
      "DELETE FROM uploads WHERE url = ?1 AND uploaded_at < ?2 AND NOT EXISTS (SELECT 1 FROM jobs l"
      " WHERE l.state IN ('queued', 'uploading', 'submitting', 'running') AND l.input LIKE '%' || ?1 || '%')",
      sql_args().add(url).add(cutoff)));
  }
  return dropped;
}

} // namespace

// Oldest finished first, by jobs_by_finish (finished_at IS NOT NULL is
// spelled out so the partial index applies), read in order and stopped at the
// limit. Only terminal jobs have finished_at; the state is checked too, as an
// expression: an indexable `state IN` leads SQLite to jobs_finished instead,
// which reads every due row and sorts them. Waits: a job with a pending
// delivery (its webhook is still owed), and one a kept job retries (retry_of
// is a foreign key; the retry is purged first, the original in a later batch).
std::string purge_candidates_sql()
{
  return "SELECT id, agent, budget_window, coalesce(token_name, ''), input, finished_at, images,"
         " CASE WHEN state = 'succeeded' THEN coalesce(images_actual, images) ELSE coalesce(images_actual, 0) END, " +
         std::string(spend_expression) +
         " FROM jobs j WHERE finished_at IS NOT NULL AND finished_at < ?1"
         " AND coalesce(state, '') IN ('succeeded', 'failed', 'canceled')"
         " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.job_id = j.id AND d.state = 'pending')"
         " AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.retry_of = j.id)"
         " ORDER BY finished_at LIMIT ?2";
}

result<purge_batch> purge_expired(sql_db& db, timestamp finished_before, std::size_t max_jobs, const write_context& c)
{
  const auto cutoff = to_unix_ms(finished_before);
  const auto limit = static_cast<std::int64_t>(max_jobs);
  auto due = all_rows(db, purge_candidates_sql(), sql_args().add(cutoff).add(limit + 1), read_purgeable);
  purge_batch out;
  out.more = due.size() > max_jobs; // one more than asked tells whether another batch is due
  if (out.more)
    due.pop_back();
  for (const auto& p : due)
    purge_one(db, p, c, out);
  out.uploads_dropped = drop_uploads(db, due, cutoff);
  // A tombstone lives one retention period past its purge (job_store.hpp), a batch at a time.
  const auto horizon = cutoff;
  out.tombstones_dropped = static_cast<std::size_t>(
    db.run("DELETE FROM purged_jobs WHERE id IN (SELECT id FROM purged_jobs WHERE purged_at < ?1"
           " ORDER BY purged_at LIMIT ?2)",
           sql_args().add(horizon).add(limit)));
  if (out.tombstones_dropped == max_jobs)
    out.more = true;
  return out;
}

result<std::int64_t> reclaim_space(sql_db& db, std::size_t max_pages)
{
  if (!db.dialect().incremental_vacuum)
    return std::int64_t{0}; // PostgreSQL: autovacuum's work (README)
  const auto free_pages = [&db] {
    return first_row(db, "PRAGMA freelist_count", {}, [](const sql_row& r) { return r.int64(0); }).value_or(0);
  };
  const auto before = free_pages();
  db.run("PRAGMA incremental_vacuum(" + std::to_string(max_pages) + ")");
  return before - free_pages();
}

} // namespace weshopd::store::scripts
