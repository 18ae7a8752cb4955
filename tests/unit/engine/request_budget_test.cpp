// The request budget toward WeShop on a fake clock: the shared bucket, the
// submits' reserve, a configured rate, and a learnt one (cut on 429, creeping
// back).
#include "engine/request_budget.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'800'000'000'000);

// Takes tokens of `kind` at `now` until refused; how many it got.
int drain(request_budget& b, request_kind kind, timestamp now)
{
  int n = 0;
  while (b.try_take(kind, now) && n < 100'000)
    ++n;
  return n;
}

} // namespace

TEST(RequestBudget, AConfiguredRateIsABucketOfOneSecondsWorth)
{
  request_budget b({.max_per_second = 8}, t0);
  EXPECT_FALSE(b.learning());
  EXPECT_EQ(drain(b, request_kind::submit, t0), 8);
  EXPECT_EQ(b.next_available(request_kind::submit, t0), t0 + 125ms);
  EXPECT_FALSE(b.try_take(request_kind::submit, t0 + 124ms));
  EXPECT_TRUE(b.try_take(request_kind::submit, t0 + 125ms));
  EXPECT_EQ(drain(b, request_kind::submit, t0 + 10s), 8); // never more than the burst
  EXPECT_FALSE(b.on_rate_limited(t0 + 10s));             // a configured rate is kept
  EXPECT_DOUBLE_EQ(b.rate(), 8);
}

TEST(RequestBudget, PollsLeaveTheSubmitsTheirReserve)
{
  request_budget b({.max_per_second = 20, .submit_reserve = 0.25}, t0);
  EXPECT_EQ(drain(b, request_kind::poll, t0), 15); // 5 of 20 stay for submits
  EXPECT_EQ(drain(b, request_kind::submit, t0), 5);
  // Empty: the next token goes to a submit first; polls wait for the reserve to refill.
  EXPECT_EQ(b.next_available(request_kind::submit, t0), t0 + 50ms);
  EXPECT_EQ(b.next_available(request_kind::poll, t0), t0 + 300ms);
}

// The poller takes only as many due polls off its queue as this says.
TEST(RequestBudget, AvailableCountsTheWholeTokensAKindMayTake)
{
  request_budget b({.max_per_second = 20, .submit_reserve = 0.25}, t0);
  EXPECT_EQ(b.available(request_kind::poll, t0), 15u);
  EXPECT_EQ(b.available(request_kind::submit, t0), 20u);
  EXPECT_EQ(drain(b, request_kind::poll, t0), 15);
  EXPECT_EQ(b.available(request_kind::poll, t0), 0u);
  EXPECT_EQ(b.available(request_kind::submit, t0), 5u);
  EXPECT_EQ(b.available(request_kind::poll, t0 + 50ms), 1u); // one token more than the reserve
}

TEST(RequestBudget, ABacklogOfPollsNeverStarvesSubmits)
{
  request_budget b({.max_per_second = 10}, t0);
  int polls = 0, submits = 0;
  // Every 10 ms for 10 s: polls always want a token, a submit every 200 ms.
  for (auto now = t0; now < t0 + 10s; now += 10ms) {
    if ((now - t0) % 200ms == 0ms)
      submits += b.try_take(request_kind::submit, now) ? 1 : 0;
    polls += b.try_take(request_kind::poll, now) ? 1 : 0;
  }
  EXPECT_EQ(submits, 50); // every one went at once
  EXPECT_GE(polls, 45);   // polls got the rest of ~100 + the burst
  EXPECT_LE(polls + submits, 10 * 10 + 10);
}

TEST(RequestBudget, ASmallBucketIsNotSplit)
{
  request_budget b({.max_per_second = 1}, t0);
  EXPECT_TRUE(b.try_take(request_kind::poll, t0));
  EXPECT_FALSE(b.try_take(request_kind::submit, t0));
  EXPECT_EQ(b.next_available(request_kind::poll, t0), t0 + 1s);
}

TEST(RequestBudget, ALearntRateHasNoLimitUntilA429ThenHalfOfWhatWasSent)
{
  request_budget b({.cut = 0.5}, t0);
  EXPECT_TRUE(b.learning());
  EXPECT_TRUE(std::isinf(b.rate())); // the guide documents no limit: none is invented
  EXPECT_EQ(drain(b, request_kind::poll, t0), 100'000);
  EXPECT_EQ(b.available(request_kind::poll, t0), std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(b.next_available(request_kind::submit, t0), t0);
  // Later, 60 requests in a second, and a 429: the rate becomes 30/s.
  const auto t1 = t0 + 5s;
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(b.try_take(request_kind::submit, t1 + i * 10ms));
  EXPECT_TRUE(b.on_rate_limited(t1 + 600ms));
  EXPECT_DOUBLE_EQ(b.rate(), 30);
  EXPECT_FALSE(b.try_take(request_kind::submit, t1 + 600ms)); // that burst spent the bucket
  for (int i = 1; i < 10; ++i)
    EXPECT_FALSE(b.on_rate_limited(t1 + 600ms + i * 50ms)); // the rest of the same burst
  EXPECT_DOUBLE_EQ(b.rate(), 30);
  EXPECT_TRUE(b.on_rate_limited(t1 + 1600ms)); // a second later it is a new signal
  EXPECT_DOUBLE_EQ(b.rate(), 15);              // no creep while 429s keep coming
  EXPECT_EQ(b.cuts(), 2u);
}

TEST(RequestBudget, ACutFollowsWhatWasSentWhenThatIsBelowTheRate)
{
  request_budget b({.cut = 0.5}, t0);
  for (int i = 0; i < 200; ++i)
    b.try_take(request_kind::submit, t0 + i * 5ms);
  b.on_rate_limited(t0 + 999ms);
  EXPECT_DOUBLE_EQ(b.rate(), 100);
  // Much later, 8 requests in a second draw a 429: the rate was far above
  // them, so halving it would change nothing; it becomes 4/s.
  b.try_take(request_kind::submit, t0 + 3000s);
  for (int i = 1; i < 8; ++i)
    b.try_take(request_kind::submit, t0 + 3000s + i * 100ms);
  EXPECT_GT(b.rate(), 100);
  b.on_rate_limited(t0 + 3000s + 900ms);
  EXPECT_DOUBLE_EQ(b.rate(), 4);
}

TEST(RequestBudget, ALearntRateCreepsUpWithoutACeilingAndNeverFallsBelowTheFloor)
{
  request_budget b({.learn_floor = 2, .cut = 0.5, .creep = 0.5}, t0);
  for (int i = 0; i < 40; ++i)
    b.try_take(request_kind::submit, t0 + i * 20ms);
  for (int i = 0; i < 10; ++i)
    b.on_rate_limited(t0 + i * 1s);
  EXPECT_DOUBLE_EQ(b.rate(), 2); // the floor
  b.try_take(request_kind::poll, t0 + 9s + 21s);
  EXPECT_DOUBLE_EQ(b.rate(), 12); // +0.5 per second after the first quiet one
  b.try_take(request_kind::poll, t0 + 9s + 1000s);
  EXPECT_DOUBLE_EQ(b.rate(), 501.5); // no ceiling: the next 429 finds the limit again
}
