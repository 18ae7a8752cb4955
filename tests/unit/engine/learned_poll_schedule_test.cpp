// The poll schedule a learned run-time distribution produces: a fake clock
// (elapsed time is a parameter), a run followed poll by poll.
#include "engine/learned_poll_schedule.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr double no_jitter = 0.5;

poll_timing polling_only(milliseconds floor = 1s)
{
  return poll_timing{.initial = floor, .cap = 30s, .safety_poll = std::nullopt, .hint_interval = 1s};
}

// Runs of about 40 s: p10 36 s, p50 40 s, p90 48 s, p99 60 s.
run_time_quantiles forty_seconds() { return {.p10 = 36s, .p50 = 40s, .p90 = 48s, .p99 = 60s}; }

// The moments (from the run's start) a run that never ends is polled until `until`.
std::vector<milliseconds> polls(const poll_timing& t, const std::optional<run_time_quantiles>& q, milliseconds until,
                                double unit = no_jitter)
{
  poll_counts c;
  std::vector<milliseconds> at;
  milliseconds now{0};
  for (;;) {
    now += learned_poll_delay(t, c, now, q, unit);
    if (now > until)
      return at;
    at.push_back(now);
  }
}

std::size_t polls_between(const std::vector<milliseconds>& at, milliseconds from, milliseconds to)
{
  return static_cast<std::size_t>(std::count_if(at.begin(), at.end(), [&](auto p) { return p >= from && p < to; }));
}

} // namespace

TEST(LearnedPollSchedule, WithoutAnEstimateItIsTodaysBackOff)
{
  const auto t = polling_only();
  EXPECT_EQ(polls(t, std::nullopt, 100s), (std::vector<milliseconds>{1s, 3s, 7s, 15s, 31s, 61s, 91s}));
  for (const double unit : {0.0, 0.3, 0.99}) { // the same, jitter and all
    poll_counts a, b;
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(learned_poll_delay(t, a, milliseconds(i * 1000), std::nullopt, unit), poll_delay(t, b, true, unit));
  }
}

TEST(LearnedPollSchedule, SparseEarly)
{
  const auto at = polls(polling_only(), forty_seconds(), 36s);
  // Today: 1, 3, 7, 15, 31 s. Learned: one poll at the cap (30 s), then p10.
  EXPECT_EQ(at, (std::vector<milliseconds>{30s, 36s}));
}

TEST(LearnedPollSchedule, DenseNearTheExpectedEnd)
{
  const auto at = polls(polling_only(), forty_seconds(), 60s);
  EXPECT_GE(polls_between(at, 36s, 48s), 4U); // every (48 - 36) / 4 = 3 s
  EXPECT_LE(polls_between(at, 0s, 36s), 1U);
  // Today's schedule polls this stretch once (at 61 s, after it).
  EXPECT_EQ(polls_between(polls(polling_only(), std::nullopt, 60s), 36s, 48s), 0U);
  // A run ending anywhere in p10..p90 is seen within the dense step.
  for (auto it = at.begin(); it + 1 != at.end(); ++it) {
    if (*it >= 36s && *it < 48s) {
      EXPECT_LE(*(it + 1) - *it, 3s);
    }
  }
}

TEST(LearnedPollSchedule, BacksOffOnceTheRunOverstaysItsP99)
{
  const auto at = polls(polling_only(), forty_seconds(), 200s);
  std::vector<milliseconds> after;
  for (auto p : at)
    if (p >= 60s)
      after.push_back(p);
  ASSERT_GE(after.size(), 4U);
  // 1, 2, 4, 8, 16, 30 s apart again (from the first poll at or past p99).
  EXPECT_EQ(after[1] - after[0], 1s);
  EXPECT_EQ(after[2] - after[1], 2s);
  EXPECT_EQ(after[3] - after[2], 4s);
  EXPECT_EQ(after.back() - after[after.size() - 2], 30s);
}

TEST(LearnedPollSchedule, NeverBelowTheFloor)
{
  // A tight distribution (p10..p90 within 400 ms) and a 1 s floor.
  const run_time_quantiles tight{.p10 = 2800ms, .p50 = 3s, .p90 = 3200ms, .p99 = 3400ms};
  for (const double unit : {0.0, 0.5, 0.999}) {
    const auto at = polls(polling_only(1s), tight, 120s, unit);
    for (auto it = at.begin(); it + 1 != at.end(); ++it)
      EXPECT_GE(*(it + 1) - *it, 1s);
    EXPECT_GE(at.front(), 1s);
  }
  // A 250 ms floor allows the dense step (400 ms / 4 = 100 ms) no closer either.
  const auto fine = polls(polling_only(250ms), tight, 4s);
  for (auto it = fine.begin(); it + 1 != fine.end(); ++it)
    EXPECT_GE(*(it + 1) - *it, 250ms);
  EXPECT_GE(polls_between(fine, 2800ms, 3200ms), 1U);
}

TEST(LearnedPollSchedule, CallbacksKeepTheSafetyPoll)
{
  auto t = polling_only();
  t.safety_poll = 5min;
  poll_counts c;
  EXPECT_EQ(learned_poll_delay(t, c, 37s, forty_seconds(), no_jitter), 5min);
  EXPECT_EQ(learned_poll_delay(t, c, 0s, forty_seconds(), no_jitter), 5min);
}

TEST(LearnedPollSchedule, NoMorePollsThanTodayForALongRun)
{
  // A 40 s run: today polls at 1, 3, 7, 15, 31, 61 s (noticed 21 s late);
  // learned: 30, 36, 39, 42 s (noticed 2 s late), with fewer polls.
  const auto learned = polls(polling_only(), forty_seconds(), 40s);
  const auto today = polls(polling_only(), std::nullopt, 40s);
  EXPECT_LT(learned.size(), today.size());
}
