// Upgrades: a database of every earlier schema version opens with today's
// binary, migrates to the current schema, and keeps its jobs and events.
// The fixture of version k is the embedded migrations 1..k applied to an empty
// database: landed migrations are frozen (migrations/CHECKSUMS, the ctest
// migrations.frozen), so that prefix is exactly the schema a release at k had.
// The job is written with SQL that schema k takes: only the columns it had.

#include "store/migrator.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

using namespace weshopd;
using namespace weshopd::store;

namespace {

const std::string fixture_id = "01900000-0000-7000-8000-0000000000c1";
// What the fixtures' job was asked for (its input, params and request hash).
const new_job& fixture_request()
{
  static const auto j = test::make_job("aipose", "sit down", "key-1");
  return j;
}

// A jobs column's value, written once the schema has the column: `since` is
// the migration that added it.
struct column_value {
  int since;
  std::string column;
  std::string value; // an SQL literal
};

// Where the optional columns came in: the webhook and callback columns, and money.
struct schema_steps {
  int webhook;
  int money;
};
constexpr schema_steps sqlite_steps{.webhook = 2, .money = 7};  // 0002_callbacks_events_notify, 0007_budget
constexpr schema_steps postgres_steps{.webhook = 1, .money = 5}; // 0001_jobs, 0005_budget

// A running job, as each schema takes it (`yes`: the backend's true).
std::vector<column_value> job_columns(schema_steps steps, const std::string& yes)
{
  return {{1, "id", "'" + fixture_id + "'"},
          {1, "agent", "'aipose'"},
          {1, "agent_version", "'v1.0'"},
          {1, "input", R"('{"originalImage":"https://x.test/a.png"}')"},
          {1, "params", R"('{"textDescription":"sit down"}')"},
          {1, "state", "'running'"},
          {1, "execution_id", "'exec-1'"},
          {1, "upstream_status", "'Running'"},
          {1, "idempotency_key", "'key-1'"},
          {1, "request_hash", "'" + fixture_request().request_hash + "'"},
          {1, "attempts", "2"},
          {1, "next_attempt_at", "5000"},
          {1, "deadline_at", "900000"},
          {1, "created_at", "1000"},
          {1, "updated_at", "2000"},
          {steps.webhook, "callback_token_hash", "'cafe'"},
          {steps.webhook, "notify_url", "'http://127.0.0.1:9/hook'"},
          {steps.webhook, "notify_all", yes},
          {steps.money, "images", "2"},
          {steps.money, "unit_price", "500"},
          {steps.money, "token_name", "'alice'"}};
}

std::string insert_job(int version, const std::vector<column_value>& columns)
{
  std::string names;
  std::string values;
  for (const auto& c : columns) {
    if (c.since > version)
      continue;
    names += (names.empty() ? "" : ", ") + c.column;
    values += (values.empty() ? "" : ", ") + c.value;
  }
  return "INSERT INTO jobs (" + names + ") VALUES (" + values + ")";
}

// The job's trail (job_events is unchanged since 0001 in both backends), and
// jobs.last_event_id pointing at its end where the schema has that column.
std::string insert_events(bool has_last_event_id)
{
  std::string sql = "INSERT INTO job_events (job_id, from_state, to_state, at, detail) VALUES"
                    " ('" + fixture_id + "', NULL, 'queued', 1000, 'accepted'),"
                    " ('" + fixture_id + "', 'queued', 'submitting', 1500, ''),"
                    " ('" + fixture_id + "', 'submitting', 'running', 2000, 'submitted');";
  if (has_last_event_id)
    sql += "UPDATE jobs SET last_event_id = (SELECT max(id) FROM job_events);";
  return sql;
}

// The embedded migrations up to `version`: the schema as it was then.
std::vector<migration> up_to(const std::vector<migration>& all, int version)
{
  std::vector<migration> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const migration& m) { return m.version <= version; });
  return out;
}

// Every version but the current one, each test named by its version.
std::vector<int> earlier_versions(const std::vector<migration>& all)
{
  std::vector<int> out;
  for (const auto& m : all)
    if (m.version != all.back().version)
      out.push_back(m.version);
  return out;
}

std::string version_name(const testing::TestParamInfo<int>& info)
{
  return "v" + std::to_string(info.param);
}

std::int64_t count_of(job_store& store, const std::string& state)
{
  const auto counts = store.counts();
  if (!counts) {
    ADD_FAILURE() << counts.error().message();
    return -1;
  }
  std::int64_t n = 0;
  for (const auto& c : *counts)
    if (c.agent == "aipose" && c.state == state)
      n += c.jobs;
  return n;
}

// Every field the old row had reads back as written; the later ones as their defaults.
void expect_job_intact(const job& j, int version, schema_steps steps)
{
  EXPECT_EQ(j.agent, "aipose");
  EXPECT_EQ(j.agent_version, "v1.0");
  EXPECT_EQ(j.input, fixture_request().input);
  EXPECT_EQ(j.params, fixture_request().params);
  EXPECT_EQ(j.state, job_state::running);
  EXPECT_EQ(j.execution_id, "exec-1");
  EXPECT_EQ(j.upstream_status, "Running");
  EXPECT_TRUE(j.results.empty());
  EXPECT_EQ(j.idempotency_key, "key-1");
  EXPECT_EQ(j.request_hash, fixture_request().request_hash);
  EXPECT_EQ(j.attempts, 2);
  EXPECT_EQ(j.next_attempt_at, from_unix_ms(5000));
  EXPECT_EQ(j.deadline_at, from_unix_ms(900000));
  EXPECT_EQ(j.created_at, from_unix_ms(1000));
  EXPECT_EQ(j.updated_at, from_unix_ms(2000));
  const bool webhook = version >= steps.webhook;
  EXPECT_EQ(j.callback_token_hash, webhook ? std::optional<std::string>("cafe") : std::nullopt);
  EXPECT_EQ(j.notify_url, webhook ? std::optional<std::string>("http://127.0.0.1:9/hook") : std::nullopt);
  EXPECT_EQ(j.notify_all, webhook);
  const bool money = version >= steps.money;
  EXPECT_EQ(j.images, money ? 2 : 0);
  EXPECT_EQ(j.unit_price, money ? 500 : 0);
  EXPECT_EQ(j.token_name, money ? std::optional<std::string>("alice") : std::nullopt);
  EXPECT_FALSE(j.held);
  EXPECT_TRUE(j.warnings.empty());
}

// The job, its trail and the counts survived, and today's writes work on the row.
void expect_upgraded(job_store& store, int version, schema_steps steps)
{
  const auto j = store.get(fixture_id);
  ASSERT_TRUE(j) << j.error().message();
  expect_job_intact(*j, version, steps);

  const auto events = store.events(fixture_id);
  ASSERT_TRUE(events) << events.error().message();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_FALSE(events->front().from.has_value());
  EXPECT_EQ(events->front().detail, "accepted");
  EXPECT_EQ(events->back().from, job_state::submitting);
  EXPECT_EQ(events->back().to, job_state::running);
  EXPECT_EQ(events->back().at, from_unix_ms(2000));
  EXPECT_EQ(j->last_event_id, events->back().id);

  EXPECT_EQ(count_of(store, "running"), 1);
  job_patch patch;
  patch.error = job_error{"upstream_failed", "after the upgrade", false};
  const auto failed = store.transition(fixture_id, job_state::running, job_state::failed, patch, "failed");
  ASSERT_TRUE(failed) << failed.error().message();
  EXPECT_EQ(failed->last_event_id, events->back().id + 1);
  EXPECT_EQ(count_of(store, "running"), 0);
  EXPECT_EQ(count_of(store, "failed"), 1);
}

} // namespace

class SqliteUpgrade : public testing::TestWithParam<int> {};

TEST_P(SqliteUpgrade, ADatabaseOfThisVersionMigratesWithItsJobIntact)
{
  const int version = GetParam();
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  {
    connection db({path});
    const auto old = migrate(db, up_to(embedded_migrations(), version));
    ASSERT_FALSE(old.error) << old.message;
    ASSERT_EQ(old.version, version);
    db.exec(insert_job(version, job_columns(sqlite_steps, "1")));
    db.exec(insert_events(version >= sqlite_steps.webhook));
  }
  auto store = job_store::open({.path = path});
  ASSERT_TRUE(store) << store.error().message();
  {
    connection db({path, true});
    auto st = db.prepare("SELECT max(version) FROM schema_migrations");
    ASSERT_TRUE(st->step());
    EXPECT_EQ(st->int64(0), embedded_migrations().back().version);
  }
  expect_upgraded(**store, version, sqlite_steps);
}

INSTANTIATE_TEST_SUITE_P(EveryEarlierSchema, SqliteUpgrade, testing::ValuesIn(earlier_versions(embedded_migrations())),
                         version_name);

class PostgresUpgrade : public testing::TestWithParam<int> {};

TEST_P(PostgresUpgrade, ADatabaseOfThisVersionMigratesWithItsJobIntact)
{
  const int version = GetParam();
  test::postgres_server server;
  {
    pg_connection db(server.conninfo(), "");
    const auto old = migrate(db, up_to(embedded_postgres_migrations(), version));
    ASSERT_FALSE(old.error) << old.message;
    ASSERT_EQ(old.version, version);
    db.exec(insert_job(version, job_columns(postgres_steps, "true")));
    db.exec(insert_events(true));
  }
  auto store = job_store::open({.backend = "postgres", .url = server.conninfo()});
  ASSERT_TRUE(store) << store.error().message();
  {
    pg_connection db(server.conninfo(), "");
    EXPECT_EQ(db.run("SELECT max(version) FROM schema_migrations").int64(0, 0),
              embedded_postgres_migrations().back().version);
  }
  expect_upgraded(**store, version, postgres_steps);
}

INSTANTIATE_TEST_SUITE_P(EveryEarlierSchema, PostgresUpgrade,
                         testing::ValuesIn(earlier_versions(embedded_postgres_migrations())), version_name);
