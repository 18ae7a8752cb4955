#include "store/migrator.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace weshopd;
using namespace weshopd::store;

namespace {

int count(connection& db, const std::string& sql)
{
  auto st = db.prepare(sql);
  st->step();
  return static_cast<int>(st->int64(0));
}

bool table_exists(connection& db, const std::string& name)
{
  return count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'") == 1;
}

} // namespace

TEST(Migrator, AppliesEmbeddedMigrationsFromEmptyThenIsANoOp)
{
  test::temp_dir dir;
  connection db({dir.file("a.db")});
  const auto& all = embedded_migrations();
  ASSERT_FALSE(all.empty());

  const auto first = migrate(db, all);
  ASSERT_FALSE(first.error) << first.message;
  EXPECT_EQ(first.applied, static_cast<int>(all.size()));
  EXPECT_EQ(first.version, all.back().version);
  for (const char* t : {"jobs", "job_events", "uploads", "schema_migrations"})
    EXPECT_TRUE(table_exists(db, t)) << t;

  const auto again = migrate(db, all);
  ASSERT_FALSE(again.error) << again.message;
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.version, all.back().version);
  EXPECT_EQ(count(db, "SELECT count(*) FROM schema_migrations"), static_cast<int>(all.size()));
}

TEST(Migrator, RefusesATamperedMigrationAndChangesNothing)
{
  test::temp_dir dir;
  connection db({dir.file("a.db")});
  ASSERT_FALSE(migrate(db, {{1, "one", "CREATE TABLE one(x INTEGER);"}}).error);

  const auto out = migrate(db, {{1, "one", "CREATE TABLE one(x INTEGER, y INTEGER);"},
                                {2, "two", "CREATE TABLE two(x INTEGER);"}});
  EXPECT_EQ(out.error, errc::migration_tampered);
  EXPECT_NE(out.message.find("1_one.sql"), std::string::npos) << out.message;
  EXPECT_FALSE(table_exists(db, "two"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM schema_migrations"), 1);
}

TEST(Migrator, RefusesADatabaseNewerThanTheBinary)
{
  test::temp_dir dir;
  connection db({dir.file("a.db")});
  ASSERT_FALSE(migrate(db, {{1, "one", "CREATE TABLE one(x);"}, {2, "two", "CREATE TABLE two(x);"}}).error);
  const auto out = migrate(db, {{1, "one", "CREATE TABLE one(x);"}});
  EXPECT_EQ(out.error, errc::database_too_new);
  EXPECT_NE(out.message.find("newer"), std::string::npos) << out.message;
}

TEST(Migrator, AFailingMigrationLeavesNoTrace)
{
  test::temp_dir dir;
  connection db({dir.file("a.db")});
  const auto out = migrate(db, {{1, "one", "CREATE TABLE one(x);"},
                                {2, "two", "CREATE TABLE half(x); CREATE TABL broken(x);"}});
  EXPECT_EQ(out.error, errc::storage_failed);
  EXPECT_EQ(out.version, 1);
  EXPECT_TRUE(table_exists(db, "one"));
  EXPECT_FALSE(table_exists(db, "half"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM schema_migrations"), 1);
}

TEST(Migrator, JobStoreOpenReportsTamperingClearly)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  { ASSERT_NE(test::open_store(path), nullptr); }
  {
    connection db({path});
    db.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  }
  auto store = job_store::open({.path = path});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, errc::migration_tampered);
  EXPECT_NE(store.error().detail.find("must never be edited"), std::string::npos) << store.error().message();
}

// What an operator sees at start after running an older binary on a newer
// database: the code, the migration it does not know, and what to do.
TEST(Migrator, JobStoreOpenRefusesADatabaseNewerThanTheBinaryClearly)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  { ASSERT_NE(test::open_store(path), nullptr); }
  const auto future = std::to_string(embedded_migrations().back().version + 1);
  {
    connection db({path});
    db.exec("INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES (" + future +
            ", 'from_the_future', 'x', 1)");
  }
  auto store = job_store::open({.path = path});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, errc::database_too_new);
  const auto& detail = store.error().detail;
  EXPECT_NE(detail.find("migration " + future + " (from_the_future)"), std::string::npos) << detail;
  EXPECT_NE(detail.find("run a newer weshopd or restore a backup"), std::string::npos) << detail;
  {
    connection db({path, true});
    EXPECT_EQ(count(db, "SELECT count(*) FROM schema_migrations"), static_cast<int>(embedded_migrations().size()) + 1)
      << "refused, it changed nothing";
  }
}

TEST(Migrator, JobStoreOpenRefusesAFileThatIsNotADatabase)
{
  test::temp_dir dir;
  const auto path = dir.file("junk.db");
  {
    std::ofstream f(path);
    f << std::string(8192, 'x');
  }
  auto store = job_store::open({.path = path});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, errc::storage_corrupt) << store.error().message();
}

TEST(Migrator, PostgresSchemaAppliesOnceRefusesTamperingAndRollsBackAFailure)
{
  test::postgres_server server;
  pg_connection db(server.conninfo(), "");
  const auto first = migrate(db, embedded_postgres_migrations());
  ASSERT_FALSE(first.error) << first.message;
  EXPECT_EQ(first.applied, static_cast<int>(embedded_postgres_migrations().size()));
  const auto again = migrate(db, embedded_postgres_migrations());
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.version, first.version);

  db.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  EXPECT_EQ(migrate(db, embedded_postgres_migrations()).error, errc::migration_tampered);

  pg_connection fresh(server.conninfo("template1"), "");
  fresh.exec("CREATE DATABASE other");
  pg_connection other(server.conninfo("other"), "");
  const auto out = migrate(other, {{1, "one", "CREATE TABLE one(x int);"},
                                   {2, "two", "CREATE TABLE half(x int); CREATE TABL broken(x int);"}});
  EXPECT_EQ(out.error, errc::storage_failed);
  EXPECT_EQ(out.version, 1);
  EXPECT_EQ(other.run("SELECT count(*) FROM pg_tables WHERE tablename IN ('one', 'half')").int64(0, 0), 1);
}

namespace {

// The embedded migrations before token scopes (SQLite 0008, PostgreSQL 0006).
std::vector<migration> before(const std::vector<migration>& all, int version)
{
  std::vector<migration> out;
  for (const auto& m : all)
    if (m.version < version)
      out.push_back(m);
  return out;
}

// A job of the schema before token scopes, with an Idempotency-Key, written
// as that schema takes it; its request is make_job("aipose", "sit", key)'s.
std::string old_job_row(const std::string& id, const std::string& key, const std::string& token)
{
  const auto j = test::make_job("aipose", "sit", key);
  return "INSERT INTO jobs (id, agent, agent_version, input, params, state, request_hash, idempotency_key,"
         " created_at, updated_at, token_name) VALUES ('" + id + "', 'aipose', 'v1.0', '{}', '{}', 'queued', '" +
         j.request_hash + "', '" + key + "', 1, 1, " + (token.empty() ? "NULL" : "'" + token + "'") + ")";
}

// After the migration: the old keys still name their jobs for their token,
// and are free for another token.
void expect_keys_per_token(job_store& store)
{
  auto alice = test::make_job("aipose", "sit", "key-a");
  alice.token_name = "alice";
  const auto again = store.insert(alice);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->created_or_existing.id, "01900000-0000-7000-8000-00000000000a");
  auto bob = alice;
  bob.token_name = "bob";
  const auto bobs = store.insert(bob);
  ASSERT_TRUE(bobs);
  EXPECT_TRUE(bobs->created) << "alice's key is not bob's";
  const auto untokened = store.insert(test::make_job("aipose", "sit", "key-n"));
  ASSERT_TRUE(untokened);
  EXPECT_FALSE(untokened->created);
  EXPECT_EQ(untokened->created_or_existing.id, "01900000-0000-7000-8000-00000000000b");
}

} // namespace

TEST(Migrator, IdempotencyKeysOfAnExistingDatabaseBecomePerToken)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  {
    connection db({path});
    const auto old = migrate(db, before(embedded_migrations(), 8));
    ASSERT_FALSE(old.error) << old.message;
    ASSERT_EQ(old.version, 7);
    db.exec(old_job_row("01900000-0000-7000-8000-00000000000a", "key-a", "alice"));
    db.exec(old_job_row("01900000-0000-7000-8000-00000000000b", "key-n", ""));
  }
  auto store = test::open_store(path);
  ASSERT_NE(store, nullptr);
  expect_keys_per_token(*store);
}

TEST(Migrator, PostgresIdempotencyKeysOfAnExistingDatabaseBecomePerToken)
{
  test::postgres_server server;
  {
    pg_connection db(server.conninfo(), "");
    const auto old = migrate(db, before(embedded_postgres_migrations(), 6));
    ASSERT_FALSE(old.error) << old.message;
    ASSERT_EQ(old.version, 5);
    db.exec(old_job_row("01900000-0000-7000-8000-00000000000a", "key-a", "alice"));
    db.exec(old_job_row("01900000-0000-7000-8000-00000000000b", "key-n", ""));
  }
  auto store = test::open_store("", {.backend = "postgres", .url = server.conninfo()});
  ASSERT_NE(store, nullptr);
  expect_keys_per_token(*store);
}
