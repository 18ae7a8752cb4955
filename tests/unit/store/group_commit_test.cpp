#include "store/group_commit.hpp"

#include "common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <future>
#include <latch>

using namespace weshopd;
using namespace weshopd::store;

namespace {

std::unique_ptr<connection> open_db(const std::string& path)
{
  auto db = std::make_unique<connection>(connection_options{path});
  db->exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)");
  return db;
}

int rows(const std::string& path)
{
  connection db({path, true});
  auto st = db.prepare("SELECT count(*) FROM t");
  st->step();
  return static_cast<int>(st->int64(0));
}

// Holds the writer thread inside a unit until released, so that the units
// submitted meanwhile all land in the next batch together.
struct gate {
  std::promise<void> entered, release;
  group_commit::work unit()
  {
    return [this](connection&) {
      entered.set_value();
      release.get_future().wait();
    };
  }
};

} // namespace

TEST(GroupCommit, OneUnitsConstraintErrorUndoesOnlyThatUnit)
{
  test::temp_dir dir;
  const auto path = dir.file("g.db");
  gate g; // outlives the writer, whose thread waits on it
  group_commit writer(open_db(path));
  ASSERT_FALSE(writer.submit(g.unit(), [](auto) {}));
  g.entered.get_future().wait();

  std::vector<std::promise<boost::system::error_code>> outcomes(3);
  const auto insert = [](int k) {
    return [k](connection& db) { db.prepare("INSERT INTO t (k) VALUES (?)")->bind_all(k).step(); };
  };
  writer.submit(insert(1), [&](auto ec) { outcomes[0].set_value(ec); });
  writer.submit([&](connection& db) { insert(2)(db); insert(1)(db); }, // duplicate key after a good row
                [&](auto ec) { outcomes[1].set_value(ec); });
  writer.submit(insert(3), [&](auto ec) { outcomes[2].set_value(ec); });
  g.release.set_value();

  EXPECT_FALSE(outcomes[0].get_future().get());
  EXPECT_EQ(outcomes[1].get_future().get(), errc::storage_failed);
  EXPECT_FALSE(outcomes[2].get_future().get());
  EXPECT_EQ(rows(path), 2); // 1 and 3; the failed unit's row 2 was undone
  EXPECT_EQ(writer.stats().batches, 2u);
}

TEST(GroupCommit, ADiskFullFailsTheWholeBatchThenTheWriterRecovers)
{
  test::temp_dir dir;
  const auto path = dir.file("g.db");
  auto db = open_db(path);
  connection* raw = db.get();
  gate g;
  group_commit writer(std::move(db));
  writer.submit(g.unit(), [](auto) {});
  g.entered.get_future().wait();
  raw->exec("PRAGMA max_page_count = 20"); // a real SQLITE_FULL, as on a full disk (writer thread is parked)

  std::promise<boost::system::error_code> small, big;
  writer.submit([](connection& c) { c.prepare("INSERT INTO t (k, v) VALUES (1, zeroblob(10))")->step(); },
                [&](auto ec) { small.set_value(ec); });
  writer.submit([](connection& c) { c.prepare("INSERT INTO t (k, v) VALUES (2, zeroblob(1000000))")->step(); },
                [&](auto ec) { big.set_value(ec); });
  g.release.set_value();
  EXPECT_EQ(big.get_future().get(), errc::storage_full);
  EXPECT_EQ(small.get_future().get(), errc::storage_full); // same batch: acknowledged only if durable
  EXPECT_EQ(rows(path), 0);

  std::promise<boost::system::error_code> later;
  writer.submit([](connection& c) { c.exec("PRAGMA max_page_count = 1073741823"); }, [](auto) {});
  writer.submit([](connection& c) { c.prepare("INSERT INTO t (k) VALUES (7)")->step(); },
                [&](auto ec) { later.set_value(ec); });
  EXPECT_FALSE(later.get_future().get());
  EXPECT_EQ(rows(path), 1);
}

TEST(GroupCommit, ABoundedQueueRefusesInsteadOfGrowing)
{
  test::temp_dir dir;
  gate g;
  group_commit writer(open_db(dir.file("g.db")), {.max_batch = 8, .max_queue = 4});
  writer.submit(g.unit(), [](auto) {});
  g.entered.get_future().wait();
  int accepted = 0;
  boost::system::error_code refused;
  for (int i = 0; i < 10 && !refused; ++i) {
    refused = writer.submit([](connection&) {}, [](auto) {});
    accepted += !refused;
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(refused, errc::overloaded);
  g.release.set_value();
}

TEST(GroupCommit, StopWritesEverythingAlreadyQueued)
{
  test::temp_dir dir;
  const auto path = dir.file("g.db");
  std::atomic<int> done{0};
  {
    group_commit writer(open_db(path));
    for (int k = 0; k < 500; ++k)
      writer.submit([k](connection& db) { db.prepare("INSERT INTO t (k) VALUES (?)")->bind_all(k).step(); },
                    [&](auto ec) { done += !ec; });
  }
  EXPECT_EQ(done.load(), 500);
  EXPECT_EQ(rows(path), 500);
}
