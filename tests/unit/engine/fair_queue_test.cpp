// The waiting queue's order: round-robin across tokens (with weights), a
// token's highest priority first, round-robin across its batches and single
// jobs, FIFO within; removal; and a second token's job behind 10,000.
#include "engine/fair_queue.hpp"

#include <gtest/gtest.h>

using namespace weshopd::engine;

namespace {

constexpr auto normal = job_priority::normal;

std::vector<std::string> pop_all(fair_queue& q)
{
  std::vector<std::string> out;
  while (auto id = q.pop())
    out.push_back(*id);
  return out;
}

using ids = std::vector<std::string>;

} // namespace

TEST(FairQueue, EmptyPopsNothing)
{
  fair_queue q;
  EXPECT_FALSE(q.pop());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.remove("nope"));
}

TEST(FairQueue, TokensInterleave)
{
  fair_queue q;
  for (const auto* id : {"a1", "a2", "a3", "a4"})
    q.push(id, "shop-a", "", normal);
  q.push("b1", "shop-b", "", normal);
  q.push("b2", "shop-b", "", normal);
  q.push("c1", "shop-c", "", normal);
  EXPECT_EQ(q.size(), 7u);
  EXPECT_EQ(pop_all(q), (ids{"a1", "b1", "c1", "a2", "b2", "a3", "a4"}));
  EXPECT_TRUE(q.empty());
}

TEST(FairQueue, ASecondTokensJobIsServedWithinOneRoundBehindTenThousand)
{
  fair_queue q;
  for (int i = 0; i < 10'000; ++i)
    q.push("a" + std::to_string(i), "shop-a", "batch-1", normal);
  q.push("b", "shop-b", "", normal);
  EXPECT_EQ(q.pop(), "a0");
  EXPECT_EQ(q.pop(), "b");
  EXPECT_EQ(q.pop(), "a1");
  EXPECT_EQ(q.size(), 9'998u);
}

TEST(FairQueue, AWeightGivesThatManyTurnsPerRound)
{
  std::map<std::string, unsigned, std::less<>> weights;
  ASSERT_EQ(parse_weights({"shop-a=3"}, weights), "");
  fair_queue q(weights);
  for (int i = 1; i <= 6; ++i)
    q.push("a" + std::to_string(i), "shop-a", "", normal);
  for (int i = 1; i <= 3; ++i)
    q.push("b" + std::to_string(i), "shop-b", "", normal);
  EXPECT_EQ(pop_all(q), (ids{"a1", "a2", "a3", "b1", "a4", "a5", "a6", "b2", "b3"}));
}

TEST(FairQueue, HighGoesFirstWithinItsTokensShareFifoWithinAPriority)
{
  fair_queue q;
  q.push("a-low", "shop-a", "", job_priority::low);
  q.push("a-n1", "shop-a", "", normal);
  q.push("a-n2", "shop-a", "", normal);
  q.push("a-high", "shop-a", "", job_priority::high);
  q.push("b-n1", "shop-b", "", normal);
  q.push("b-n2", "shop-b", "", normal);
  // shop-a's high job overtakes its normal ones, not shop-b's turn.
  EXPECT_EQ(pop_all(q), (ids{"a-high", "b-n1", "a-n1", "b-n2", "a-n2", "a-low"}));
}

TEST(FairQueue, ABatchDoesNotStarveTheSingleJobsOfItsToken)
{
  fair_queue q;
  for (int i = 1; i <= 4; ++i)
    q.push("big" + std::to_string(i), "shop-a", "batch-big", normal);
  q.push("single1", "shop-a", "", normal);
  q.push("other1", "shop-a", "batch-other", normal);
  q.push("single2", "shop-a", "", normal);
  EXPECT_EQ(pop_all(q), (ids{"big1", "single1", "other1", "big2", "single2", "big3", "big4"}));
}

TEST(FairQueue, RemovedJobsAreNeverServed)
{
  fair_queue q;
  for (const auto* id : {"a1", "a2", "a3"})
    q.push(id, "shop-a", "", normal);
  q.push("b1", "shop-b", "", normal);
  EXPECT_TRUE(q.remove("a1"));
  EXPECT_FALSE(q.remove("a1"));
  EXPECT_TRUE(q.remove("b1")); // shop-b has nothing left: its turn is skipped
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(pop_all(q), (ids{"a2", "a3"}));
}

TEST(FairQueue, APushedAgainJobTakesItsNewPlaceOnly)
{
  fair_queue q;
  q.push("x", "shop-a", "", normal);
  q.push("y", "shop-a", "", normal);
  q.push("x", "shop-a", "", job_priority::low); // requeued, lower
  EXPECT_EQ(q.size(), 2u);
  q.remove("y");
  q.push("y", "shop-a", "", normal); // removed, then back: once
  EXPECT_EQ(pop_all(q), (ids{"y", "x"}));
}

TEST(FairQueue, WithinALaneJobsGoInIdOrderSoAJobPushedAgainKeepsItsPlace)
{
  // Job ids are UUIDv7: their text sorts in creation order.
  fair_queue q;
  q.push("job-3", "shop-a", "", normal);
  q.push("job-1", "shop-a", "", normal);
  q.push("job-2", "shop-a", "", normal);
  EXPECT_EQ(q.pop(), "job-1");
  q.push("job-1", "shop-a", "", normal); // refused with 429: back in its place, not behind job-3
  EXPECT_EQ(pop_all(q), (ids{"job-1", "job-2", "job-3"}));
}

TEST(FairQueue, RemovingEveryJobOfATokenThenPushingAgainServesIt)
{
  fair_queue q;
  q.push("a1", "shop-a", "b", normal);
  q.remove("a1");
  q.push("c1", "shop-c", "", normal);
  q.push("a2", "shop-a", "b", normal);
  EXPECT_EQ(pop_all(q), (ids{"a2", "c1"}));
}

TEST(FairQueue, PrioritiesAndWeightsParse)
{
  EXPECT_EQ(parse_priority("high"), job_priority::high);
  EXPECT_EQ(parse_priority("low"), job_priority::low);
  EXPECT_FALSE(parse_priority("urgent"));
  EXPECT_EQ(priority_name(job_priority::normal), "normal");
  std::map<std::string, unsigned, std::less<>> w;
  EXPECT_EQ(parse_weights({"a=2", "b=1000"}, w), "");
  EXPECT_EQ(w.at("a"), 2u);
  for (const auto* bad : {"a", "=3", "a=0", "a=1001", "a=x", "a=2x", "a=-1"})
    EXPECT_NE(parse_weights({bad}, w), "") << bad;
  EXPECT_NE(parse_weights({"a=1", "a=2"}, w), "");
  EXPECT_EQ(w.size(), 2u); // a refused list changes nothing
}
