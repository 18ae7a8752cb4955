// Several daemons sharing one PostgreSQL queue: who may work on which job.
// Two stores with different owners stand for two daemons.

#include "store/job_store.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace weshopd;
using namespace weshopd::store;

namespace {

class Leases : public ::testing::Test {
protected:
  test::postgres_server server_;

  std::unique_ptr<job_store> daemon(const std::string& owner, std::function<timestamp()> clock = now_ms)
  {
    job_store_options o;
    o.backend = "postgres";
    o.url = server_.conninfo();
    o.owner = owner;
    o.lease = std::chrono::seconds(30);
    o.clock = std::move(clock);
    return test::open_store("", o);
  }

  static std::set<std::string> ids(const result<std::vector<job>>& jobs)
  {
    std::set<std::string> out;
    for (const auto& j : *jobs)
      out.insert(j.id);
    return out;
  }
};

} // namespace

TEST_F(Leases, ALiveDaemonsJobsAreItsOwnUntilItReleasesThem)
{
  auto a = daemon("a");
  auto b = daemon("b");
  std::set<std::string> made;
  for (int i = 0; i < 3; ++i)
    made.insert(a->insert(test::make_job("aipose", "sit " + std::to_string(i)))->created_or_existing.id);
  const auto done = a->insert(test::make_job("aipose", "done"))->created_or_existing.id;
  ASSERT_TRUE(a->transition(done, job_state::queued, job_state::canceled));

  EXPECT_TRUE(b->claim_unfinished(100)->empty()) << "a is alive: its jobs are its own";
  ASSERT_TRUE(a->release_lease());
  EXPECT_EQ(ids(b->claim_unfinished(2)).size(), 2u) << "up to the limit";
  EXPECT_EQ(ids(b->claim_unfinished(100)).size(), 1u) << "the rest; a finished job is nobody's work";
  EXPECT_TRUE(daemon("c")->claim_unfinished(100)->empty()) << "b holds them now";
}

TEST_F(Leases, ADeadDaemonsJobsAreTakenOverWhenItsLeaseRunsOut)
{
  auto a = daemon("a");
  const auto id = a->insert(test::make_job())->created_or_existing.id;
  ASSERT_TRUE(a->renew_lease());
  // b's clock is 31 s ahead: a's last heartbeat is older than its lease.
  auto b = daemon("b", [] { return now_ms() + std::chrono::seconds(31); });
  const auto taken = b->claim_unfinished(100);
  ASSERT_EQ(ids(taken), std::set<std::string>{id});
  EXPECT_TRUE(daemon("c", [] { return now_ms() + std::chrono::seconds(31); })->claim_unfinished(100)->empty())
    << "b's own lease is fresh";
}

TEST_F(Leases, ConcurrentClaimsNeverShareAJob)
{
  {
    auto gone = daemon("gone");
    for (int i = 0; i < 200; ++i)
      gone->insert(test::make_job("aipose", "job " + std::to_string(i)));
    ASSERT_TRUE(gone->release_lease());
  }
  std::vector<std::unique_ptr<job_store>> daemons;
  for (int d = 0; d < 4; ++d)
    daemons.push_back(daemon("d" + std::to_string(d)));
  std::vector<std::set<std::string>> claimed(daemons.size());
  std::vector<std::thread> threads;
  for (std::size_t d = 0; d < daemons.size(); ++d)
    threads.emplace_back([&, d] {
      for (int round = 0; round < 20; ++round)
        for (const auto& id : ids(daemons[d]->claim_unfinished(7)))
          claimed[d].insert(id);
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> all;
  std::size_t total = 0;
  for (const auto& c : claimed) {
    total += c.size();
    all.insert(c.begin(), c.end());
  }
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(total, 200u) << "no job was claimed by two daemons";
}

TEST(LeasesOnSqlite, OneDaemonHoldsEveryUnfinishedJob)
{
  test::temp_dir dir;
  auto store = test::open_store(dir.file("jobs.db"));
  store->insert(test::make_job());
  store->insert(test::make_job("aipose", "stand"));
  EXPECT_EQ(store->claim_unfinished(1)->size(), 2u);
  EXPECT_TRUE(store->renew_lease());
  EXPECT_TRUE(store->release_lease());
}
