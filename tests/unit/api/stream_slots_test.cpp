// The cap on waiting responses (limits.max_streams): slots are taken up to
// the cap, refused past it, and come back when their holder lets go.

#include "api/stream_slots.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

using weshopd::api::stream_slots;

TEST(StreamSlots, TakenUpToTheCapAndGivenBack)
{
  stream_slots slots(2);
  auto a = slots.try_take();
  auto b = slots.try_take();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(slots.try_take());
  EXPECT_EQ(slots.in_use(), 2u);
  auto copy = a; // a response and its stream share one slot
  a.reset();
  EXPECT_FALSE(slots.try_take());
  copy.reset();
  EXPECT_EQ(slots.in_use(), 1u);
  EXPECT_TRUE(slots.try_take());
}

TEST(StreamSlots, ASlotOutlivingItsCounterIsSafe)
{
  std::shared_ptr<void> held;
  {
    stream_slots slots(1);
    held = slots.try_take();
  }
  held.reset(); // the counter lives as long as its last slot
  SUCCEED();
}

TEST(StreamSlots, ManyThreadsNeverPassTheCap)
{
  stream_slots slots(8);
  std::vector<std::thread> threads;
  std::atomic<int> over{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto s = slots.try_take();
        if (slots.in_use() > 8)
          ++over;
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(slots.in_use(), 0u);
}

TEST(StreamSlots, TheRefusalIs503WithRetryAfter)
{
  const auto out = stream_slots::refusal();
  EXPECT_EQ(out.status, 503u);
  EXPECT_NE(out.body.find("\"overloaded\""), std::string::npos);
  const auto retry = std::find_if(out.headers.begin(), out.headers.end(), [](const auto& h) { return h.name == "Retry-After"; });
  ASSERT_NE(retry, out.headers.end());
  EXPECT_EQ(retry->value, "5");
}
