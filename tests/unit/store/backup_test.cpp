// Online backup (store/sqlite_backup.hpp): a copy made while a writer keeps
// inserting and canceling jobs is a consistent snapshot (exactly the state
// after some prefix of the writer's acknowledged operations), passes
// integrity_check, hashes to what it announces, and the writer is not held
// up while it is made. And the PostgreSQL recipe of the README (pg_dump -Fc,
// pg_restore into a fresh database) gives a database job_store opens with
// the same jobs.

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"
#include "job/job_json.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_backup.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace weshopd;
using namespace weshopd::store;
using clock_type = std::chrono::steady_clock;

namespace {

// Every job of a store, by id, as its JSON text.
std::map<std::string, std::string> all_jobs(job_store& s)
{
  std::map<std::string, std::string> out;
  list_query q;
  q.limit = 500;
  for (;;) {
    auto page = s.list(q);
    EXPECT_TRUE(page);
    if (!page)
      return out;
    for (const auto& j : page->jobs)
      out[j.id] = boost::json::serialize(to_json(j));
    if (!page->next_before)
      return out;
    q.before_id = page->next_before;
  }
}

std::string whole(const backup_copy& copy)
{
  std::string bytes;
  for (std::string piece; !(piece = copy.read(bytes.size(), 1 << 20)).empty();)
    bytes += piece;
  return bytes;
}

std::string integrity(const std::string& path)
{
  connection db({path, true, "full", 5000});
  auto st = db.prepare("PRAGMA integrity_check");
  return st->step() ? st->text(0) : "no answer";
}

// One acknowledged write of the writer, in order.
struct op {
  bool insert = true; // else: a cancel of `id`
  std::string id;
  clock_type::time_point started, done;
};

// A bulky job, so the database takes a while to copy.
new_job bulky(int n)
{
  return test::make_job("aipose", std::to_string(n) + std::string(1500, 'x'));
}

} // namespace

TEST(Backup, UnderWriteLoadEqualsAQuiescedCopyOfTheSameJobs)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  auto s = test::open_store(path);
  ASSERT_NE(s, nullptr);
  { // ~30 MB to start with, written in parallel batches
    std::vector<std::thread> fill;
    for (int t = 0; t < 8; ++t)
      fill.emplace_back([&, t] {
        for (int i = 0; i < 2500; ++i)
          ASSERT_TRUE(s->insert(bulky(t * 10000 + i)));
      });
    for (auto& f : fill)
      f.join();
  }

  std::vector<op> ops; // the writer's, in acknowledgement order
  std::mutex ops_mutex;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::vector<std::string> queued;
    for (int n = 0; !stop; ++n) {
      op o;
      o.started = clock_type::now();
      if (n % 3 == 2 && !queued.empty()) { // every third write cancels a job this writer made
        o.insert = false;
        o.id = queued.front();
        queued.erase(queued.begin());
        ASSERT_TRUE(s->transition(o.id, job_state::queued, job_state::canceled));
      } else {
        auto r = s->insert(bulky(100000 + n));
        ASSERT_TRUE(r);
        o.id = r->created_or_existing.id;
        queued.push_back(o.id);
      }
      o.done = clock_type::now();
      std::lock_guard lock(ops_mutex);
      ops.push_back(std::move(o));
    }
  });
  const auto ops_now = [&] {
    std::lock_guard lock(ops_mutex);
    return ops.size();
  };
  while (ops_now() < 20) // the writer is going
    std::this_thread::yield();

  const auto backup_start = clock_type::now();
  auto made = s->backup();
  const auto backup_end = clock_type::now();
  ASSERT_TRUE(made) << made.error().message();
  const auto after_backup = ops_now();
  while (ops_now() < after_backup + 200) // and still going after it
    std::this_thread::yield();
  stop = true;
  writer.join();

  // The copy: whole, hashed as announced, intact.
  const auto bytes = whole(**made);
  ASSERT_EQ(bytes.size(), (*made)->bytes());
  EXPECT_EQ(sha256_hex(bytes), (*made)->sha256());
  const auto copy_path = dir.file("copy.db");
  std::ofstream(copy_path, std::ios::binary) << bytes;
  EXPECT_EQ(integrity(copy_path), "ok");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) // the temporary name is gone
    EXPECT_EQ(entry.path().filename().string().find(".backup-"), std::string::npos) << entry.path();

  // The writer was not held up: it acknowledged writes while the copy was
  // made, and none of those overlapping it took more than 100 ms.
  std::size_t during = 0;
  auto slowest = clock_type::duration::zero();
  for (const auto& o : ops)
    if (o.done > backup_start && o.started < backup_end) {
      ++during;
      slowest = std::max(slowest, o.done - o.started);
    }
  EXPECT_GT(during, 0u) << "the backup took " << (backup_end - backup_start) / std::chrono::milliseconds(1) << " ms";
  EXPECT_LT(slowest, std::chrono::milliseconds(100));
  auto slowest_after = clock_type::duration::zero();
  for (const auto& o : ops)
    if (o.started >= backup_end)
      slowest_after = std::max(slowest_after, o.done - o.started);
  std::cout << "after: " << std::chrono::duration<double, std::milli>(slowest_after).count() << " ms; backup: " << (backup_end - backup_start) / std::chrono::milliseconds(1) << " ms, " << (*made)->bytes()
            << " bytes; writes meanwhile: " << during << ", the slowest "
            << std::chrono::duration<double, std::milli>(slowest).count() << " ms\n";

  // Every job in the copy is as it was after exactly the first k writes.
  auto copy = test::open_store(copy_path);
  ASSERT_NE(copy, nullptr);
  const auto copied = all_jobs(*copy);
  const auto live = all_jobs(*s);
  std::set<std::string> in_copy, canceled_in_copy;
  for (const auto& [id, text] : copied) {
    in_copy.insert(id);
    auto j = copy->get(id);
    ASSERT_TRUE(j);
    if (j->state == job_state::canceled)
      canceled_in_copy.insert(id);
    else
      EXPECT_EQ(j->state, job_state::queued);
  }
  std::set<std::string> by_writer;
  for (const auto& o : ops)
    if (o.insert)
      by_writer.insert(o.id);
  const auto prefix_count = live.size() - by_writer.size(); // the jobs there before the writer began
  bool consistent = false;
  std::size_t matched_k = 0;
  std::set<std::string> inserted, canceled;
  for (std::size_t k = 0; k <= ops.size() && !consistent; ++k) {
    if (k > 0)
      (ops[k - 1].insert ? inserted : canceled).insert(ops[k - 1].id);
    std::size_t writer_jobs = 0;
    for (const auto& id : in_copy)
      writer_jobs += inserted.contains(id);
    consistent = in_copy.size() == prefix_count + inserted.size() && writer_jobs == inserted.size() &&
                 canceled_in_copy == canceled;
    matched_k = k;
  }
  EXPECT_TRUE(consistent) << "the copy is no prefix of the writes: " << in_copy.size() << " jobs, "
                          << canceled_in_copy.size() << " canceled, " << ops.size() << " writes";
  EXPECT_GE(matched_k, 20u); // the writes acknowledged before the backup began are in it
  EXPECT_LT(matched_k, ops.size());
  // A job no write after the snapshot touched is byte for byte the live row.
  std::set<std::string> canceled_later;
  for (std::size_t k = matched_k; k < ops.size(); ++k)
    if (!ops[k].insert)
      canceled_later.insert(ops[k].id);
  for (const auto& [id, text] : copied) {
    if (!canceled_later.contains(id)) {
      EXPECT_EQ(text, live.at(id)) << id;
    }
  }
}

TEST(Backup, LeftoversOfAnInterruptedBackupGoAtOpen)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  test::open_store(path).reset();
  for (const auto* name : {"jobs.db.backup-abc.tmp", "jobs.db.backup-abc.tmp-journal", "other.db.backup-x.tmp"})
    std::ofstream(dir.file(name)) << "partial";
  auto s = test::open_store(path);
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir.file("jobs.db.backup-abc.tmp")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("jobs.db.backup-abc.tmp-journal")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("other.db.backup-x.tmp"))); // not this database's
}

TEST(Backup, PostgresStoresMakeNone)
{
  test::postgres_server server;
  job_store_options options;
  options.backend = "postgres";
  options.url = server.conninfo();
  auto s = job_store::open(options);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE((*s)->supports_backup());
  EXPECT_FALSE((*s)->backup());
}

// README, "Backup and restore", PostgreSQL: pg_dump -Fc, then pg_restore
// --clean --if-exists into a fresh database; job_store opens it (its
// migrations verify) and reads back the same jobs and events.
TEST(Backup, PostgresDumpAndRestoreRecipe)
{
  test::postgres_server server;
  test::temp_dir dir;
  job_store_options options;
  options.backend = "postgres";
  options.url = server.conninfo();
  std::map<std::string, std::string> before;
  std::map<std::string, std::size_t> events_before;
  {
    auto s = job_store::open(options);
    ASSERT_TRUE(s) << s.error().message();
    for (int i = 0; i < 30; ++i) {
      auto r = (*s)->insert(test::make_job("aipose", "pose " + std::to_string(i)));
      ASSERT_TRUE(r);
      const auto to = i % 3 == 0 ? job_state::canceled : job_state::uploading;
      if (i % 3 != 2) {
        ASSERT_TRUE((*s)->transition(r->created_or_existing.id, job_state::queued, to));
      }
    }
    before = all_jobs(**s);
    for (const auto& [id, text] : before)
      events_before[id] = (*s)->events(id)->size();
  }
  const auto dump = dir.file("weshopd.dump");
  const auto run = [](const std::string& command) {
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  };
  run(server.bin() + "/pg_dump -Fc -d '" + server.conninfo() + "' -f " + dump);
  pg_connection(server.conninfo("template1"), "").exec("CREATE DATABASE restored");
  run(server.bin() + "/pg_restore --clean --if-exists --no-owner -d '" + server.conninfo("restored") + "' " + dump);

  options.url = server.conninfo("restored");
  auto restored = job_store::open(options);
  ASSERT_TRUE(restored) << restored.error().message();
  EXPECT_EQ(all_jobs(**restored), before);
  ASSERT_EQ(before.size(), 30u);
  for (const auto& [id, count] : events_before)
    EXPECT_EQ((*restored)->events(id)->size(), count) << id;
  // It takes writes as before (sequences restored past the rows).
  EXPECT_TRUE((*restored)->insert(test::make_job("aipose", "after the restore")));
}
