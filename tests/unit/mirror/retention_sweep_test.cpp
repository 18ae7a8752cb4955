// The retention sweep on a real SQLite file with a fake clock: purged jobs'
// mirrored files leave the disk (only inside the mirror directory), the file
// shrinks (incremental vacuum), and the database's space settings: a new file
// is incremental, an old (auto_vacuum NONE) one is converted at open.

#include "mirror/copy_removal.hpp"
#include "mirror/retention_sweep.hpp"

#include "metrics/registry.hpp"
#include "store/migration.hpp"
#include "store/migrator.hpp"
#include "store/sqlite.hpp"
#include "store/job_scripts.hpp"
#include "store/sqlite_space.hpp"

#include "common/run_sync.hpp"
#include "common/store_fixtures.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

using namespace weshopd;
using namespace weshopd::store;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

std::int64_t pragma_of(const std::string& path, const std::string& name)
{
  connection db({path, true});
  auto st = db.prepare("PRAGMA " + name);
  return st->step() ? st->int64(0) : -1;
}

void write_file(const fs::path& p)
{
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "png";
}

class RetentionSweep : public ::testing::Test {
protected:
  test::temp_dir dir_;
  std::string db_path_ = dir_.file("jobs.db");
  fs::path mirror_ = dir_.file("results");
  std::shared_ptr<std::atomic<std::int64_t>> now_ = std::make_shared<std::atomic<std::int64_t>>(1'750'000'000'000);
  boost::asio::io_context io_;
  std::unique_ptr<job_store> store_ = open();

  std::unique_ptr<job_store> open()
  {
    job_store_options o;
    o.clock = [now = now_] { return from_unix_ms(now->load()); };
    return test::open_store(db_path_, o);
  }
  mirror::retention_sweep_options options() const
  {
    mirror::retention_sweep_options o;
    o.retention = std::chrono::days(90);
    o.batch_jobs = 50; // several batches in the tests that fill
    o.mirror_dir = mirror_.string();
    o.clock = [now = now_] { return from_unix_ms(now->load()); };
    return o;
  }
  mirror::sweep_report sweep()
  {
    mirror::retention_sweep s(io_.get_executor(), *store_, options());
    auto once = s.sweep_once();
    return test::run_sync(io_, std::move(once));
  }
  std::string canceled(const std::string& text)
  {
    const auto id = store_->insert(test::make_job("aipose", text))->created_or_existing.id;
    EXPECT_TRUE(store_->transition(id, job_state::queued, job_state::canceled));
    return id;
  }
  std::string mirrored(const fs::path& copy)
  {
    const auto id = store_->insert(test::make_job("aipose", copy.string()))->created_or_existing.id;
    EXPECT_TRUE(store_->transition(id, job_state::queued, job_state::submitting));
    EXPECT_TRUE(store_->transition(id, job_state::submitting, job_state::running));
    job_patch done;
    done.results = boost::json::array{boost::json::object{{"status", "Success"}, {"image", "https://r.test/1.png"}}};
    done.mirror_results = true;
    EXPECT_TRUE(store_->transition(id, job_state::running, job_state::succeeded, done));
    write_file(copy);
    EXPECT_TRUE(store_->record_mirror(id, {{id, 0, copy.string(), "abc", 3, "image/png", from_unix_ms(*now_)}}));
    return id;
  }
};

TEST(RetentionPaths, OnlyACopyBelowTheRootIsRemovedFromItsHandle)
{
  test::temp_dir dir;
  const fs::path root = dir.file("results");
  fs::create_directories(root / "job");
  fs::create_directories(dir.file("results2/job"));
  const auto touch = [](const fs::path& p) { std::ofstream(p) << "x"; };
  for (const auto& p : {root / "job/0.png", root / "job/1.png", fs::path(dir.file("results2/job/0.png"))})
    touch(p);
  EXPECT_FALSE(mirror::remove_copy(root, dir.file("results2/job/0.png"))) << "a sibling with a longer name";
  EXPECT_FALSE(mirror::remove_copy(root, root / "job/../../results2/job/0.png")) << "climbing out by ..";
  EXPECT_FALSE(mirror::remove_copy("", root / "job/0.png"));
  EXPECT_FALSE(mirror::remove_copy(root, root)) << "the root itself";
  EXPECT_TRUE(fs::exists(dir.file("results2/job/0.png")));
  EXPECT_TRUE(mirror::remove_copy(root, root / "job/0.png"));
  EXPECT_TRUE(fs::exists(root / "job")) << "a folder with a copy left stays";
  EXPECT_FALSE(mirror::remove_copy(root, root / "job/0.png")) << "already gone";
  fs::create_symlink(dir.file("results2/job/0.png"), root / "job/link.png");
  EXPECT_TRUE(mirror::remove_copy(root, root / "job/link.png")) << "a link as the copy goes itself";
  EXPECT_TRUE(fs::exists(dir.file("results2/job/0.png"))) << "never its target";
  EXPECT_TRUE(mirror::remove_copy(root, root / "job/1.png"));
  EXPECT_FALSE(fs::exists(root / "job")) << "the emptied job folder goes";
  EXPECT_TRUE(fs::exists(root));
  EXPECT_EQ(mirror::purge_cutoff(from_unix_ms(100 * day_ms), std::chrono::days(90)), from_unix_ms(10 * day_ms));
}

TEST(RetentionPaths, ConversionNeedsRoomForACopy)
{
  EXPECT_TRUE(room_to_convert(100, 1000));
  EXPECT_FALSE(room_to_convert(100, 200));
  EXPECT_FALSE(room_to_convert(100, 0));
}

TEST_F(RetentionSweep, PurgedJobsFilesLeaveTheDiskOnlyInsideTheMirror)
{
  const auto inside = mirror_ / "a" / "0.png";
  const auto outside = fs::path(dir_.file("elsewhere")) / "0.png";
  const auto escape = mirror_ / "link" / "0.png"; // the job's folder links out of the mirror
  mirrored(inside);
  mirrored(outside);
  fs::create_directories(dir_.file("target"));
  fs::create_directories(mirror_);
  fs::create_directory_symlink(dir_.file("target"), mirror_ / "link");
  const auto through_link = fs::path(dir_.file("target")) / "0.png";
  mirrored(escape);
  ASSERT_TRUE(fs::exists(through_link));
  const auto live = store_->insert(test::make_job("aipose", "live"))->created_or_existing.id;
  auto& counter = metrics::process_registry().counter_of(
    "weshopd_retention_purged_jobs_total", "Finished jobs deleted by retention (jobs.retention_days).");
  const auto counted = counter.value();

  EXPECT_EQ(sweep().purged, 0u) << "nothing is 90 days old yet";
  *now_ += 100 * day_ms;
  const auto r = sweep();
  EXPECT_EQ(r.purged, 3u);
  EXPECT_EQ(r.files_deleted, 1u);
  EXPECT_FALSE(fs::exists(inside));
  EXPECT_FALSE(fs::exists(inside.parent_path())) << "the job's emptied folder goes too";
  EXPECT_TRUE(fs::exists(mirror_));
  EXPECT_TRUE(fs::exists(outside)) << "a path outside the mirror is never deleted";
  EXPECT_TRUE(fs::exists(through_link)) << "nor one that a link leads out of it";
  EXPECT_TRUE(store_->get(live));
  EXPECT_EQ(counter.value(), counted + 3);
}

TEST_F(RetentionSweep, TheFileShrinksAfterPurgeAndIncrementalVacuum)
{
  EXPECT_EQ(pragma_of(db_path_, "auto_vacuum"), 2) << "a new database is incremental";
  const std::string bulk(2000, 'x');
  for (int i = 0; i < 1500; ++i)
    canceled(bulk + std::to_string(i));
  const auto filled = pragma_of(db_path_, "page_count");
  *now_ += 100 * day_ms;
  const auto r = sweep();
  EXPECT_EQ(r.purged, 1500u);
  EXPECT_GT(r.freed_pages, 0);
  const auto after = pragma_of(db_path_, "page_count");
  EXPECT_LT(after * 4, filled) << "pages: " << filled << " -> " << after;
  EXPECT_LT(pragma_of(db_path_, "freelist_count"), 50);
  store_.reset(); // the last connection checkpoints: the file itself is smaller
  EXPECT_LT(fs::file_size(db_path_), static_cast<std::uintmax_t>(filled) * 4096 / 4);
}

TEST(SqliteSpace, AnOldDatabaseIsConvertedOnceAtOpen)
{
  test::temp_dir dir;
  const auto path = dir.file("old.db");
  {
    connection old({path}); // as an earlier release made it: auto_vacuum NONE
    ASSERT_FALSE(migrate(old, embedded_migrations()).error);
  }
  ASSERT_EQ(pragma_of(path, "auto_vacuum"), 0);
  std::string id;
  {
    auto s = test::open_store(path);
    ASSERT_TRUE(s);
    id = s->insert(test::make_job())->created_or_existing.id;
  }
  EXPECT_EQ(pragma_of(path, "auto_vacuum"), 2);
  auto again = test::open_store(path);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->get(id)) << "the converted database keeps its jobs";
}

} // namespace

namespace {

// "By an index, no table scan": the purge walks jobs_by_finish in order and
// stops at its limit (no scan, no sort of every due job).
TEST(RetentionPlan, ThePurgeReadsTheFinishIndexInOrder)
{
  test::temp_dir dir;
  const auto path = dir.file("plan.db");
  ASSERT_TRUE(test::open_store(path));
  connection db({path, true});
  auto st = db.prepare("EXPLAIN QUERY PLAN " + scripts::purge_candidates_sql());
  std::string plan;
  while (st->step())
    plan += st->text(3) + "\n";
  EXPECT_NE(plan.find("SEARCH j USING INDEX jobs_by_finish"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

} // namespace
