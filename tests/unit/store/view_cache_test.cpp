#include "store/view_cache.hpp"

#include "common/store_fixtures.hpp"
#include "store/job_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace weshopd;
using namespace weshopd::store;
using weshopd::test::make_job;
using weshopd::test::open_store;

TEST(ViewCache, KeepsAViewUntilItsJobIsWritten)
{
  view_cache views(1 << 20);
  views.put("a", "view of a", views.epoch());
  EXPECT_EQ(views.get("a"), "view of a");
  EXPECT_FALSE(views.get("b"));
  views.invalidate("a");
  EXPECT_FALSE(views.get("a"));
}

TEST(ViewCache, AViewReadBeforeAnyWriteThatLandedSinceIsNotKept)
{
  view_cache views(1 << 20);
  const auto before = views.epoch();
  views.invalidate("other job"); // a write commits while "a" is being read and rendered
  views.put("a", "possibly stale", before);
  EXPECT_FALSE(views.get("a"));
  views.put("a", "fresh", views.epoch());
  EXPECT_EQ(views.get("a"), "fresh");
}

TEST(ViewCache, StaysWithinItsByteBudget)
{
  view_cache views(64 * 1024);
  const std::string view(500, 'x');
  for (int i = 0; i < 1000; ++i)
    views.put("job-" + std::to_string(i), view, views.epoch());
  EXPECT_GT(views.size(), 50u);
  EXPECT_LE(views.size() * (view.size() + 6), 64u * 1024);
  EXPECT_EQ(views.get("job-999"), view) << "the newest view is kept";
  views.put("huge", std::string(65 * 1024, 'y'), views.epoch());
  EXPECT_FALSE(views.get("huge")) << "a view larger than the budget is not kept";
}

// Readers rendering while a writer writes never leave a view older than the
// last write in the cache.
TEST(ViewCache, ConcurrentReadersNeverKeepAStaleView)
{
  view_cache views(1 << 20);
  std::atomic<int> version{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!done) {
        const auto epoch = views.epoch();
        const auto seen = version.load(); // "the database read"
        views.put("job", std::to_string(seen), epoch);
      }
    });
  for (int v = 1; v <= 20000; ++v) {
    version = v;              // the write commits,
    views.invalidate("job");  // then the store drops the view
    if (const auto cached = views.get("job")) {
      ASSERT_GE(std::stoi(*cached), v) << "a view older than the last committed write";
    }
  }
  done = true;
  for (auto& t : readers)
    t.join();
}

TEST(ViewCache, TheStoreDropsAJobsViewOnEachTransitionAndDelivery)
{
  test::temp_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto j = make_job();
  j.notify_url = "http://127.0.0.1:9/hook";
  const auto created = store->insert(j)->created_or_existing;
  auto& views = store->views();
  views.put(created.id, "queued view", views.epoch());
  ASSERT_TRUE(store->transition(created.id, job_state::queued, job_state::submitting));
  EXPECT_FALSE(views.get(created.id));

  views.put(created.id, "submitting view", views.epoch());
  ASSERT_TRUE(store->transition(created.id, job_state::submitting, job_state::failed));
  EXPECT_FALSE(views.get(created.id));

  views.put(created.id, "failed view", views.epoch());
  const auto pending = store->deliveries(created.id);
  ASSERT_EQ(pending->size(), 1u);
  ASSERT_TRUE(store->record_delivery({.id = (*pending)[0].id, .status = 204, .delivered = true}));
  EXPECT_FALSE(views.get(created.id)) << "the view shows deliveries";
}
