// Both backends are one store: the same workload (idempotent inserts, every
// kind of ending, webhooks delivered, retried and given up, a held job
// admitted, mirrored results) on SQLite and on a real PostgreSQL must move
// the same metrics by the same amounts and leave the same rows in jobs,
// job_events, deliveries, result_files and uploads (job ids, random by
// nature, compared by their order; times come from one fake clock).

#include "store/job_store.hpp"

#include "metrics/registry.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <sstream>

using namespace weshopd;
using namespace weshopd::store;
using test::make_job;

namespace {

using table = std::vector<std::vector<std::optional<std::string>>>;

// The time every write sees: the workload moves it, so both runs read the same.
std::atomic<std::int64_t> fake_now_ms{1'750'000'000'000};

void tick()
{
  fake_now_ms += 1000;
}

budget::admission window(const std::string& day, budget::micros limit, bool hold = false)
{
  return {day, {{"global", limit}, {"agent:aipose", limit}}, hold};
}

// The workload, with what each step answers (the answers must agree too).
std::vector<std::string> workload(job_store& s)
{
  std::vector<std::string> said;
  const auto say = [&](const auto& r) { said.push_back(r ? "ok" : r.error().message()); };
  auto a = make_job("aipose", "a", "key-a");
  a.notify_url = "http://127.0.0.1:9/hook";
  a.images = 2;
  a.unit_price = 10;
  a.admit = window("2026-01-01", 100);
  a.warnings = boost::json::array{"a warning"};
  const auto first = s.insert(a);
  say(first);
  tick();
  say(s.insert(a)); // the same key and body: the same job
  say(s.insert(make_job("aipose", "other", "key-a"))); // the same key, another body
  auto b = make_job("aipose", "b");
  b.notify_url = "http://127.0.0.1:9/hook";
  b.notify_all = true;
  const auto jb = s.insert(b);
  say(jb);
  const auto jc = s.insert(make_job("aipose", "c"));
  say(jc);
  const auto id = first->created_or_existing.id;
  tick();
  job_patch up;
  up.input = boost::json::object{{"originalImage", "https://cdn.test/a.png"}};
  say(s.transition(id, job_state::queued, job_state::uploading, up, "uploaded"));
  say(s.transition(id, job_state::uploading, job_state::submitting));
  job_patch run;
  run.execution_id = "exec-1";
  run.upstream_status = "Pending";
  run.callback_token_hash = "hash";
  run.attempts = 1;
  run.next_attempt_at = std::optional(from_unix_ms(fake_now_ms + 5000));
  say(s.transition(id, job_state::submitting, job_state::running, run));
  job_patch status;
  status.upstream_status = "Running";
  say(s.transition(id, job_state::running, job_state::running, status));
  tick();
  job_patch done;
  done.results = boost::json::array{boost::json::object{{"image", "https://cdn.test/r0.png"}}};
  done.images_actual = 1;
  done.mirror_results = true;
  done.next_attempt_at = std::optional<timestamp>();
  say(s.transition(id, job_state::running, job_state::succeeded, done));
  job_patch failed;
  failed.error = job_error{"upstream_failed", "no", true};
  say(s.transition(jb->created_or_existing.id, job_state::queued, job_state::failed, failed, "it failed"));
  say(s.transition(jc->created_or_existing.id, job_state::queued, job_state::canceled, {}, "canceled"));
  say(s.transition(jc->created_or_existing.id, job_state::queued, job_state::uploading)); // stale
  say(s.transition("no-such-job", job_state::queued, job_state::uploading));            // not found
  return said;
}

// Webhooks (delivered, retried, given up), budgets (a held job admitted),
// mirrored results and uploads, after workload().
void workload_more(job_store& s, std::vector<std::string>& said)
{
  const auto say = [&](const auto& r) { said.push_back(r ? "ok" : r.error().message()); };
  tick();
  const auto due = s.due_deliveries(from_unix_ms(fake_now_ms), 10);
  ASSERT_TRUE(due);
  said.push_back(std::to_string(due->size()) + " due");
  for (std::size_t i = 0; i < due->size(); ++i) {
    delivery_attempt at;
    at.id = (*due)[i].id;
    at.status = 200 + static_cast<int>(i) * 150;
    at.delivered = i == 0;
    if (i == 1)
      at.retry_at = from_unix_ms(fake_now_ms + 60'000);
    if (i > 0)
      at.error = "refused";
    say(s.record_delivery(at));
  }
  delivery_attempt unknown;
  unknown.id = 999'999;
  say(s.record_delivery(unknown)); // no such delivery
  tick();
  auto held = make_job("aipose", "held", "key-held");
  held.images = 5;
  held.unit_price = 30;
  held.admit = window("2026-01-01", 100, true); // 150 > what is left: held
  const auto h = s.insert(held);
  say(h);
  said.push_back(h && h->created_or_existing.held ? "held" : "not held");
  auto over = make_job("aipose", "over");
  over.images = 10;
  over.unit_price = 100;
  over.admit = window("2026-01-01", 100); // refused, not held
  say(s.insert(over));
  tick();
  const auto admitted = s.admit_held(h->created_or_existing.id, window("2026-01-02", 180));
  say(admitted);
  said.push_back(admitted && admitted->admitted ? std::to_string(admitted->alerts.size()) + " alerts" : "not admitted");
  const auto jobs = s.list({});
  ASSERT_TRUE(jobs);
  const auto& succeeded = jobs->jobs.back(); // the oldest: the one that succeeded
  say(s.record_mirror(succeeded.id, {{succeeded.id, 0, "/tmp/r0.png", "abc", 42, "image/png", {}}}));
  say(s.record_upload({"sha-1", "https://cdn.test/u.png", 7}));
  say(s.record_upload({"sha-1", "https://cdn.test/u.png", 7}));
  tick();
  say(s.expire_mirrors({succeeded.id}));
  say(s.record_mirror(succeeded.id, {{succeeded.id, 0, "/tmp/r0.png", "def", 43, "image/png", {}}}, "disk full"));
}

// The process' metrics as series -> value, for what a run can compare:
// weshopd_ families, and of durations only how many there were.
std::map<std::string, double> metric_values()
{
  std::map<std::string, double> out;
  std::istringstream in(metrics::process_registry().render());
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || !line.starts_with("weshopd_"))
      continue;
    const auto space = line.rfind(' ');
    const auto series = line.substr(0, space);
    if (series.find("_seconds_bucket") != std::string::npos || series.find("_seconds_sum") != std::string::npos)
      continue;
    out[series] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::map<std::string, double> moved(const std::map<std::string, double>& before,
                                    const std::map<std::string, double>& after)
{
  std::map<std::string, double> out;
  for (const auto& [series, value] : after) {
    const auto it = before.find(series);
    const double delta = value - (it == before.end() ? 0 : it->second);
    if (delta != 0)
      out[series] = delta;
  }
  return out;
}

// What each table is compared by (PostgreSQL's booleans read as integers).
struct table_query {
  std::string sqlite, postgres;
};

std::vector<table_query> table_queries()
{
  const std::string jobs_columns =
    "id, agent, agent_version, input, params, state, execution_id, upstream_status, results, error_code,"
    " error_message, error_retryable, idempotency_key, request_hash, attempts, next_attempt_at, deadline_at,"
    " created_at, updated_at, finished_at, last_event_id, callback_token_hash, notify_url, notify_all, retry_of,"
    " images, unit_price, images_actual, budget_window, token_name, held, warnings, mirror";
  std::string pg_jobs = jobs_columns;
  for (const std::string flag : {"error_retryable", "notify_all", "held"})
    pg_jobs.replace(pg_jobs.find(" " + flag + ","), flag.size() + 2, " " + flag + "::int,");
  const std::vector<std::string> rest = {
    "SELECT id, job_id, from_state, to_state, at, detail FROM job_events ORDER BY id",
    "SELECT id, job_id, event_id, url, state, attempts, next_attempt_at, last_status, last_error, created_at,"
    " delivered_at FROM deliveries ORDER BY id",
    "SELECT job_id, n, path, sha256, bytes, content_type, stored_at FROM result_files ORDER BY job_id, n",
    "SELECT sha256, url, size, uploaded_at FROM uploads ORDER BY sha256",
    "SELECT budget_window, scope, used, alerted FROM budget_usage WHERE used <> 0 OR alerted <> 0"
    " ORDER BY budget_window, scope"};
  std::vector<table_query> out{{"SELECT " + jobs_columns + " FROM jobs ORDER BY id",
                                "SELECT " + pg_jobs + " FROM jobs ORDER BY id"}};
  for (const auto& q : rest)
    out.push_back({q, q});
  return out;
}

// How many columns a query of table_queries() selects (none has a comma
// inside a column).
int columns_of(const std::string& query)
{
  const auto list = query.substr(0, query.find(" FROM "));
  return 1 + static_cast<int>(std::count(list.begin(), list.end(), ','));
}

// Job ids as their order of creation (uuid7: ordered by time, random after).
std::vector<table> with_job_ordinals(std::vector<table> tables)
{
  std::vector<std::string> ids;
  for (const auto& row : tables.front())
    ids.push_back(*row.front());
  for (auto& t : tables)
    for (auto& row : t)
      for (auto& cell : row)
        for (std::size_t n = 0; cell && n < ids.size(); ++n)
          for (auto at = cell->find(ids[n]); at != std::string::npos; at = cell->find(ids[n]))
            cell->replace(at, ids[n].size(), "job#" + std::to_string(n));
  return tables;
}

std::vector<table> sqlite_tables(const std::string& path)
{
  connection db({path, true});
  std::vector<table> out;
  for (const auto& q : table_queries()) {
    auto st = db.prepare(q.sqlite);
    table t;
    while (st->step()) {
      t.emplace_back();
      for (int c = 0; c < columns_of(q.sqlite); ++c)
        t.back().push_back(st->opt_text(c));
    }
    out.push_back(std::move(t));
  }
  return with_job_ordinals(std::move(out));
}

std::vector<table> postgres_tables(const std::string& conninfo)
{
  pg_connection db(conninfo, "");
  std::vector<table> out;
  for (const auto& q : table_queries()) {
    const auto rows = db.run(q.postgres);
    table t(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r)
      for (int c = 0; c < columns_of(q.postgres); ++c)
        t[r].push_back(rows.opt_text(r, c));
    out.push_back(std::move(t));
  }
  return with_job_ordinals(std::move(out));
}

std::string text_of(const table& t)
{
  std::string out;
  for (const auto& row : t) {
    for (const auto& cell : row)
      out += (cell ? *cell : "NULL") + " | ";
    out += "\n";
  }
  return out;
}

struct run_outcome {
  std::vector<std::string> said;
  std::map<std::string, double> metrics; // what the run moved
  std::vector<table> tables;
};

run_outcome run_on(job_store_options options, const std::function<std::vector<table>()>& tables)
{
  fake_now_ms = 1'750'000'000'000;
  options.clock = [] { return from_unix_ms(fake_now_ms); };
  run_outcome out;
  const auto before = metric_values();
  {
    const auto store = test::open_store(options.path, options);
    out.said = workload(*store);
    workload_more(*store, out.said);
  }
  out.metrics = moved(before, metric_values());
  out.tables = tables();
  return out;
}

} // namespace

TEST(BackendParity, TheSameWorkloadMovesTheSameMetricsAndLeavesTheSameRows)
{
  test::temp_dir dir;
  test::postgres_server postgres;
  job_store_options sqlite;
  sqlite.path = dir.file("parity.db");
  job_store_options pg;
  pg.backend = "postgres";
  pg.url = postgres.conninfo();
  const auto a = run_on(sqlite, [&] { return sqlite_tables(sqlite.path); });
  const auto b = run_on(pg, [&] { return postgres_tables(pg.url); });

  EXPECT_EQ(a.said, b.said);
  // Every family the store exports moved, and by the same on both.
  for (const std::string family :
       {"weshopd_job_transitions_total", "weshopd_store_commit_writes", "weshopd_store_commit_duration_seconds"}) {
    const auto moved_in = [&](const run_outcome& o) {
      return std::any_of(o.metrics.begin(), o.metrics.end(), [&](const auto& kv) { return kv.first.starts_with(family); });
    };
    EXPECT_TRUE(moved_in(a)) << family;
    EXPECT_TRUE(moved_in(b)) << family;
  }
  EXPECT_EQ(a.metrics, b.metrics);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  ASSERT_FALSE(a.tables.front().empty());
  for (std::size_t i = 0; i < a.tables.size(); ++i)
    EXPECT_EQ(text_of(a.tables[i]), text_of(b.tables[i])) << table_queries()[i].sqlite;
}
