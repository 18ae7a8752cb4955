// Following a plan poll by poll: a fake clock (elapsed time is a parameter),
// a hand-made plan, a run that never ends.
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

poll_plan around_thirty_seconds() { return poll_plan{.at = {12s, 20s, 25s, 28s, 30s, 32s, 35s, 40s}}; }

// The moments (from the run's start) a run that never ends is polled until `until`.
std::vector<milliseconds> polls(const poll_timing& t, const poll_plan* plan, milliseconds until, double unit = no_jitter)
{
  poll_counts c;
  std::vector<milliseconds> at;
  milliseconds now{0};
  for (;;) {
    now += learned_poll_delay(t, c, now, plan, unit);
    if (now > until)
      return at;
    at.push_back(now);
  }
}

} // namespace

TEST(LearnedPollSchedule, WithoutAPlanItIsTodaysBackOff)
{
  const auto t = polling_only();
  const poll_plan empty;
  EXPECT_EQ(polls(t, nullptr, 100s), (std::vector<milliseconds>{1s, 3s, 7s, 15s, 31s, 61s, 91s}));
  EXPECT_EQ(polls(t, &empty, 100s), polls(t, nullptr, 100s));
  for (const double unit : {0.0, 0.3, 0.99}) { // the same, jitter and all
    poll_counts a, b;
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(learned_poll_delay(t, a, milliseconds(i * 1000), nullptr, unit), poll_delay(t, b, true, unit));
  }
}

TEST(LearnedPollSchedule, FollowsThePlan)
{
  const auto plan = around_thirty_seconds();
  EXPECT_EQ(polls(polling_only(), &plan, 40s), plan.at);
  // A poll answered late (the GET took 1.5 s) goes on from the next moment after it.
  poll_counts c;
  EXPECT_EQ(learned_poll_delay(polling_only(), c, 21500ms, &plan, no_jitter), 3500ms);
}

TEST(LearnedPollSchedule, BacksOffFromTheFloorPastThePlan)
{
  const auto plan = around_thirty_seconds();
  const auto at = polls(polling_only(), &plan, 200s);
  const std::vector<milliseconds> after(at.begin() + static_cast<std::ptrdiff_t>(plan.at.size()), at.end());
  ASSERT_GE(after.size(), 6U);
  EXPECT_EQ(after[0], 41s);
  EXPECT_EQ(after[1] - after[0], 2s);
  EXPECT_EQ(after[2] - after[1], 4s);
  EXPECT_EQ(after.back() - after[after.size() - 2], 30s);
}

TEST(LearnedPollSchedule, NeverBelowTheFloor)
{
  const poll_plan dense{.at = {2000ms, 2100ms, 2200ms, 2300ms, 2400ms, 3000ms}};
  for (const double unit : {0.0, 0.5, 0.999}) {
    const auto at = polls(polling_only(1s), &dense, 10s, unit);
    ASSERT_FALSE(at.empty());
    EXPECT_GE(at.front(), 1s);
    for (auto it = at.begin(); it + 1 != at.end(); ++it)
      EXPECT_GE(*(it + 1) - *it, 1s);
  }
  // A 100 ms floor keeps the plan's spacing (without jitter).
  EXPECT_EQ(polls(polling_only(100ms), &dense, 3s), dense.at);
}

TEST(LearnedPollSchedule, JitterStaysWithinATenthOfTheWait)
{
  const auto plan = around_thirty_seconds();
  for (const double unit : {0.0, 0.999}) {
    poll_counts c;
    const auto d = learned_poll_delay(polling_only(), c, 0s, &plan, unit);
    EXPECT_GE(d, 10800ms);
    EXPECT_LE(d, 13200ms);
  }
}

// Jitter that always shortens the wait: each moment is still polled once,
// a tenth of its wait early at most (aiming at a moment again after an early
// poll once cost 1.3x today's polls per run).
TEST(LearnedPollSchedule, AnEarlyPollDoesNotAimAtItsMomentAgain)
{
  const auto plan = around_thirty_seconds();
  for (const double unit : {0.0, 0.25, 0.999}) {
    const auto at = polls(polling_only(), &plan, 60s, unit);
    ASSERT_GT(at.size(), plan.at.size()) << "unit " << unit;
    EXPECT_GT(at[plan.at.size()], plan.at.back()) << "unit " << unit; // then past the plan
    for (std::size_t i = 0; i < plan.at.size(); ++i) {
      const auto gap = plan.at[i] - (i ? plan.at[i - 1] : 0s);
      EXPECT_LE(std::chrono::abs(at[i] - plan.at[i]), gap / 5) << i;
    }
  }
}

TEST(LearnedPollSchedule, CallbacksKeepTheSafetyPoll)
{
  auto t = polling_only();
  t.safety_poll = 5min;
  const auto plan = around_thirty_seconds();
  poll_counts c;
  EXPECT_EQ(learned_poll_delay(t, c, 27s, &plan, no_jitter), 5min);
  EXPECT_EQ(learned_poll_delay(t, c, 0s, &plan, no_jitter), 5min);
}
