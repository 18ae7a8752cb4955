// One pause for every submit on Retry-After, on a fake clock: a burst of
// refusals makes one pause, extended only to a later deadline.
#include "engine/submit_pause.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'800'000'000'000);

} // namespace

TEST(SubmitPause, NotPausedUntilARetryAfter)
{
  const submit_pause p;
  EXPECT_FALSE(p.paused(t0));
  EXPECT_FALSE(p.until(t0));
  EXPECT_EQ(p.pauses(), 0u);
}

TEST(SubmitPause, ARetryAfterPausesEverySubmitUntilItsDeadline)
{
  submit_pause p;
  EXPECT_EQ(p.on_retry_after(t0, 2s), submit_pause::effect::started);
  EXPECT_TRUE(p.paused(t0));
  EXPECT_TRUE(p.paused(t0 + 1999ms));
  EXPECT_EQ(p.until(t0 + 1s), t0 + 2s);
  EXPECT_FALSE(p.paused(t0 + 2s));
  EXPECT_FALSE(p.until(t0 + 2s));
}

TEST(SubmitPause, NRefusalsWithOverlappingRetryAftersMakeOnePause)
{
  submit_pause p;
  // 16 submits were out when the account filled: their refusals arrive over
  // 300 ms, each saying Retry-After: 2.
  int started = 0, extended = 0;
  for (int i = 0; i < 16; ++i) {
    const auto e = p.on_retry_after(t0 + i * 20ms, 2s);
    started += e == submit_pause::effect::started;
    extended += e == submit_pause::effect::extended;
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(p.pauses(), 1u);
  EXPECT_EQ(p.until(t0 + 1s), t0 + 300ms + 2s); // the latest deadline, not 16 x 2 s
  EXPECT_EQ(extended, 15);
}

TEST(SubmitPause, AnEarlierDeadlineDoesNotShortenThePause)
{
  submit_pause p;
  p.on_retry_after(t0, 10s);
  EXPECT_EQ(p.on_retry_after(t0 + 1s, 1s), submit_pause::effect::none);
  EXPECT_EQ(p.until(t0 + 1s), t0 + 10s);
  EXPECT_EQ(p.extensions(), 0u);
}

TEST(SubmitPause, ARetryAfterAfterThePauseEndedStartsANewOne)
{
  submit_pause p;
  p.on_retry_after(t0, 1s);
  EXPECT_EQ(p.on_retry_after(t0 + 5s, 1s), submit_pause::effect::started);
  EXPECT_EQ(p.pauses(), 2u);
  EXPECT_EQ(p.until(t0 + 5s), t0 + 6s);
}

TEST(SubmitPause, ALongOrPastRetryAfterIsBounded)
{
  submit_pause p(60s);
  EXPECT_EQ(p.on_retry_after(t0, 0s), submit_pause::effect::none);
  EXPECT_EQ(p.on_retry_after(t0, -5s), submit_pause::effect::none);
  EXPECT_FALSE(p.paused(t0));
  p.on_retry_after(t0, std::chrono::hours(24 * 365));
  EXPECT_EQ(p.until(t0), t0 + 60s);
}
