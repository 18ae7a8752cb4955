// The poll rate limit on a fake clock: the scheduler's own decisions
// (bucket, room, wake time) stepped through seconds of fake time.
#include "engine/poll_pacing.hpp"
#include "engine/poll_queue.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'800'000'000'000);

void schedule_twenty_jobs(poll_queue& queue)
{
  for (int i = 0; i < 20; ++i)
    queue.schedule("job-" + std::to_string(i), t0);
}

} // namespace

TEST(PollBucket, StartsWithOneSecondsWorthAndRefillsAtTheRate)
{
  poll_bucket bucket(5, t0);
  EXPECT_EQ(bucket.available(), 5u);
  for (int i = 0; i < 5; ++i)
    bucket.take();
  EXPECT_EQ(bucket.available(), 0u);
  bucket.refill(t0 + 150ms);
  EXPECT_EQ(bucket.available(), 0u);
  bucket.refill(t0 + 250ms);
  EXPECT_EQ(bucket.available(), 1u);
  bucket.refill(t0 + 10s);
  EXPECT_EQ(bucket.available(), 5u); // never more than the burst
}

TEST(PollBucket, ARateOfZeroStillPollsNowAndThen)
{
  poll_bucket bucket(0, t0);
  EXPECT_DOUBLE_EQ(bucket.rate(), 0.1);
  EXPECT_EQ(bucket.available(), 0u);
  const auto wake = next_wake(t0, t0, bucket); // due now, no token: wait ~9 s for one
  EXPECT_GE(wake - t0, 9000ms);
  EXPECT_LE(wake - t0, 9001ms);
}

TEST(PollRoom, FreeSlotsBoundedByTokens)
{
  const poll_bucket bucket(5, t0);
  EXPECT_EQ(poll_room(32, 0, bucket), 5u);
  EXPECT_EQ(poll_room(32, 30, bucket), 2u);
  EXPECT_EQ(poll_room(32, 32, bucket), 0u);
  EXPECT_EQ(poll_room(32, 40, bucket), 0u); // over the cap (it was lowered): none, not a wrap-around
}

TEST(NextWake, WaitsForTheEarliestDuePollOrForAToken)
{
  poll_bucket bucket(5, t0);
  EXPECT_EQ(next_wake(std::nullopt, t0, bucket), t0 + 1h); // nothing to poll: a schedule() wakes it
  EXPECT_EQ(next_wake(t0 + 700ms, t0, bucket), t0 + 700ms);
  // Due, with tokens but no free slot: a finishing poll wakes it.
  EXPECT_EQ(next_wake(t0, t0, bucket), t0 + 1h);
  for (int i = 0; i < 5; ++i)
    bucket.take();
  EXPECT_EQ(next_wake(t0, t0, bucket), t0 + 201ms); // the next token, 1/5 s away
}

// Polls are due and slots free, but the shared request budget has no token
// for a poll: only the budget's next token can wake the scheduler (no poll
// is in flight to finish), so it must not sleep an hour (the stall of
// Daemon.RestartsLoseNothingAndSubmitNothingTwice with scheduling on).
TEST(NextWake, ABudgetHoldingDuePollsBackWakesItAtItsNextToken)
{
  poll_bucket bucket(5, t0);
  EXPECT_EQ(next_wake(t0, t0, bucket, t0 + 20ms), t0 + 20ms);
  for (int i = 0; i < 5; ++i)
    bucket.take();
  EXPECT_EQ(next_wake(t0, t0, bucket, t0 + 20ms), t0 + 201ms); // both must allow it: the later
  EXPECT_EQ(next_wake(t0, t0, bucket, t0 + 900ms), t0 + 900ms);
  EXPECT_EQ(next_wake(t0 + 700ms, t0, bucket, t0 + 20ms), t0 + 700ms); // nothing due yet
}

// 20 jobs due every 50 ms would be ~1,200 polls in 3 s; the bucket lets 5
// per second through plus a burst of 5, however often the scheduler wakes.
TEST(PollRate, TwentyBusyJobsKeepToFivePollsPerSecond)
{
  poll_queue queue;
  schedule_twenty_jobs(queue);
  poll_bucket bucket(5, t0);
  int polled = 0;
  for (auto now = t0; now <= t0 + 3s; now += 1ms) { // woken every millisecond: the worst case
    bucket.refill(now);
    for (const auto& id : queue.take_due(now, poll_room(32, 0, bucket))) {
      bucket.take();
      ++polled;
      queue.schedule(id, now + 50ms);
    }
  }
  EXPECT_GE(polled, 19);
  EXPECT_LE(polled, 20);
}

TEST(PollRate, TheSchedulerSleepsUntilItCanPoll)
{
  poll_queue queue;
  schedule_twenty_jobs(queue);
  poll_bucket bucket(5, t0);
  int polled = 0;
  int wakeups = 0;
  for (auto now = t0; now <= t0 + 3s; ++wakeups) {
    bucket.refill(now);
    for (const auto& id : queue.take_due(now, poll_room(32, 0, bucket))) {
      bucket.take();
      ++polled;
      queue.schedule(id, now + 50ms);
    }
    now = next_wake(queue.next_due(), now, bucket);
  }
  EXPECT_GE(polled, 19);
  EXPECT_LE(polled, 20);
  EXPECT_LE(wakeups, polled + 1); // one wake-up per token, no spinning
}
