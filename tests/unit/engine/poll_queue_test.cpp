#include "engine/poll_queue.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_unix_ms(1'800'000'000'000);
}

TEST(PollQueue, TakesDueJobsEarliestFirstUpToMax)
{
  poll_queue q;
  q.schedule("c", t0 + 3s);
  q.schedule("a", t0 + 1s);
  q.schedule("b", t0 + 2s);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.next_due(), t0 + 1s);
  EXPECT_TRUE(q.take_due(t0, 10).empty());
  EXPECT_EQ(q.take_due(t0 + 5s, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(q.size(), 1u); // taken jobs leave the queue
  EXPECT_EQ(q.take_due(t0 + 5s, 2), (std::vector<std::string>{"c"}));
  EXPECT_EQ(q.next_due(), std::nullopt);
}

TEST(PollQueue, TheLatestScheduleWins)
{
  poll_queue q;
  q.schedule("a", t0 + 1s);
  q.schedule("b", t0 + 2s);
  q.schedule("a", t0 + 5s); // later
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.next_due(), t0 + 2s);
  EXPECT_EQ(q.take_due(t0 + 3s, 10), (std::vector<std::string>{"b"}));
  q.schedule("a", t0 + 500ms); // sooner again
  EXPECT_EQ(q.take_due(t0 + 3s, 10), (std::vector<std::string>{"a"}));
  EXPECT_EQ(q.size(), 0u);
}

TEST(PollQueue, RemovedJobsAreNeverTaken)
{
  poll_queue q;
  q.schedule("a", t0);
  q.schedule("b", t0 + 1s);
  q.remove("a");
  q.remove("nobody");
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.next_due(), t0 + 1s);
  EXPECT_EQ(q.take_due(t0 + 1s, 10), (std::vector<std::string>{"b"}));
}

TEST(PollQueue, SameDueTimeKeepsScheduleOrder)
{
  poll_queue q;
  for (auto id : {"x", "y", "z"})
    q.schedule(id, t0);
  EXPECT_EQ(q.take_due(t0, 10), (std::vector<std::string>{"x", "y", "z"}));
}
