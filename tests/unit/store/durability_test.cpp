// Acknowledged means durable: a real process inserts jobs, prints each id once
// its insert is acknowledged, and is SIGKILLed mid-stream. Every printed id
// must be in the database afterwards, and the database must be intact.

#include "common/child_process.hpp"
#include "common/store_fixtures.hpp"
#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace weshopd;

TEST(Durability, EveryAcknowledgedInsertSurvivesSigkill)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  std::mt19937 rng(std::random_device{}());

  std::vector<std::string> acknowledged;
  for (int round = 0; round < 3; ++round) {
    test::child_process child({WESHOPD_DURABILITY_CHILD, path});
    // Read acknowledgements until a random count, then kill without warning.
    const std::size_t kill_after = acknowledged.size() + 200 + rng() % 2000;
    while (acknowledged.size() < kill_after) {
      auto line = child.read_line();
      ASSERT_TRUE(line) << "child ended early";
      acknowledged.push_back(*line);
    }
    const int status = child.stop(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // Ids acknowledged into the pipe before the kill count too.
    while (auto line = child.read_line(std::chrono::milliseconds(200)))
      acknowledged.push_back(*line);
  }

  auto store = test::open_store(path);
  ASSERT_NE(store, nullptr);
  for (const auto& id : acknowledged)
    ASSERT_TRUE(store->get(id)) << "acknowledged job lost: " << id;
  store.reset();

  store::connection db({path});
  auto st = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->text(0), "ok");
}
