// When a running job is polled next, and what callbacks change: a fake clock.
#include "engine/poll_timing.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'800'000'000'000);
constexpr double no_jitter = 0.5; // backoff's jitter factor is exactly 1 here

poll_timing polling_only()
{
  return poll_timing{.initial = 1s, .cap = 30s, .safety_poll = std::nullopt, .hint_interval = 1s};
}

poll_timing with_callbacks()
{
  return poll_timing{.initial = 1s, .cap = 30s, .safety_poll = 5min, .hint_interval = 1s};
}

} // namespace

TEST(PollDelay, AnswersBackOffFromOneSecondToTheCap)
{
  const auto t = polling_only();
  poll_counts c;
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 7; ++i)
    delays.push_back(poll_delay(t, c, true, no_jitter));
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
  EXPECT_EQ(c.rounds, 7);
}

TEST(PollDelay, JitterStaysWithinTwentyPercent)
{
  const auto t = polling_only();
  poll_counts low;
  poll_counts high;
  EXPECT_EQ(poll_delay(t, low, true, 0.0), 800ms);
  EXPECT_EQ(poll_delay(t, high, true, 0.999999), 1199ms);
}

TEST(PollDelay, WithCallbacksOnlyTheSafetyPoll)
{
  const auto t = with_callbacks();
  poll_counts c;
  EXPECT_EQ(poll_delay(t, c, true, no_jitter), 5min);
  EXPECT_EQ(poll_delay(t, c, true, no_jitter), 5min);
  EXPECT_EQ(c.rounds, 0);
}

TEST(PollDelay, FailedGetsBackOffByFailuresInARowAndHonourRetryAfter)
{
  for (const auto& t : {polling_only(), with_callbacks()}) {
    poll_counts c;
    EXPECT_EQ(poll_delay(t, c, false, no_jitter), 1s);
    EXPECT_EQ(poll_delay(t, c, false, no_jitter), 2s);
    EXPECT_EQ(poll_delay(t, c, false, no_jitter, 20s), 20s); // never sooner than Retry-After
    EXPECT_EQ(c.failures, 3);
    poll_delay(t, c, true, no_jitter); // an answer resets the failures
    EXPECT_EQ(c.failures, 0);
    EXPECT_EQ(poll_delay(t, c, false, no_jitter), 1s);
  }
}

TEST(NextPollDue, AHintDuringTheGetPullsTheNextPollIn)
{
  const auto t = with_callbacks();
  const auto last_poll = t0;
  const auto now = t0 + 300ms; // the answer came
  EXPECT_EQ(next_poll_due(t, now, 5min, false, last_poll), now + 5min);
  EXPECT_EQ(next_poll_due(t, now, 5min, true, last_poll), last_poll + 1s); // min(due, last_poll + hint_interval)
  EXPECT_EQ(next_poll_due(t, now, 200ms, true, last_poll), now + 200ms);   // already sooner
}

TEST(DecideHint, RememberedWhileNoRunIdOrAGetIsOnItsWay)
{
  const auto t = with_callbacks();
  EXPECT_EQ(decide_hint(t, false, false, t0, t0, t0 + 5min).action, hint_action::remember); // POST in flight
  EXPECT_EQ(decide_hint(t, true, true, t0, t0, t0 + 5min).action, hint_action::remember);   // GET in flight
}

TEST(DecideHint, AtMostOneGetPerIntervalAndBurstsCoalesce)
{
  const auto t = with_callbacks();
  const auto last_poll = t0;
  // Long after the last GET: poll now.
  auto d = decide_hint(t, true, false, t0 + 10s, last_poll, t0 + 5min);
  EXPECT_EQ(d.action, hint_action::poll_at);
  EXPECT_EQ(d.at, t0 + 10s);
  // Right after the last GET: not before last_poll + 1 s.
  d = decide_hint(t, true, false, t0 + 200ms, last_poll, t0 + 5min);
  EXPECT_EQ(d.action, hint_action::poll_at);
  EXPECT_EQ(d.at, t0 + 1s);
  // A second hint of the burst: that poll is already due by then.
  EXPECT_EQ(decide_hint(t, true, false, t0 + 300ms, last_poll, t0 + 1s).action, hint_action::already_due);
  // A poll due sooner than the hint would make it.
  EXPECT_EQ(decide_hint(t, true, false, t0 + 300ms, last_poll, t0 + 500ms).action, hint_action::already_due);
}
