// weshop-sim's capacity limits on a fake clock: unfinished runs, the sliding
// one-second window of requests, Retry-After, and the counters.
#include "sim_capacity.hpp"

#include <gtest/gtest.h>

using namespace weshop_sim;
using namespace std::chrono_literals;

namespace {

const sim_capacity::clock::time_point t0{std::chrono::hours(1000)};

} // namespace

TEST(SimCapacity, NoLimitAdmitsEverythingAndStillCountsThePeak)
{
  sim_capacity c;
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(c.admit_request(t0));
    EXPECT_FALSE(c.admit_run(t0));
    c.run_started(t0, t0 + 2s);
  }
  EXPECT_EQ(c.unfinished(t0), 50u);
  EXPECT_EQ(c.stats(t0 + 3s).at("peak_running"), 50);
  EXPECT_EQ(c.stats(t0 + 3s).at("running"), 0);
}

TEST(SimCapacity, AtMaxRunningTheNextRunWaitsForTheEarliestToFinish)
{
  sim_capacity c;
  c.set_limits({.max_running = 2});
  c.run_started(t0, t0 + 1500ms);
  c.run_started(t0 + 100ms, t0 + 3s);
  const auto wait = c.admit_run(t0 + 200ms);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 2); // 1.3 s until the first finishes: whole seconds, rounded up
  EXPECT_FALSE(c.admit_run(t0 + 1500ms)); // the first has finished
  c.run_started(t0 + 1500ms, t0 + 4s);
  EXPECT_EQ(c.admit_run(t0 + 2900ms), std::optional<std::int64_t>(1)); // at least 1
  const auto s = c.stats(t0 + 2900ms);
  EXPECT_EQ(s.at("runs_refused_capacity"), 2);
  EXPECT_EQ(s.at("peak_running"), 2);
  EXPECT_EQ(s.at("running"), 2);
}

TEST(SimCapacity, ALoweredMaxRunningWaitsUntilEnoughHaveFinished)
{
  sim_capacity c;
  for (int i = 1; i <= 3; ++i)
    c.run_started(t0, t0 + std::chrono::seconds(i));
  c.set_limits({.max_running = 1});
  EXPECT_EQ(c.admit_run(t0), std::optional<std::int64_t>(3)); // room once all three are done
  c.set_limits({.max_running = 0});
  EXPECT_FALSE(c.admit_run(t0));
}

TEST(SimCapacity, RequestsPerSecondIsASlidingWindow)
{
  sim_capacity c;
  c.set_limits({.max_rps = 3});
  EXPECT_FALSE(c.admit_request(t0));
  EXPECT_FALSE(c.admit_request(t0 + 400ms));
  EXPECT_FALSE(c.admit_request(t0 + 800ms));
  EXPECT_EQ(c.admit_request(t0 + 900ms), std::optional<std::int64_t>(1));
  EXPECT_FALSE(c.admit_request(t0 + 1000ms)); // the first left the window
  EXPECT_TRUE(c.admit_request(t0 + 1300ms));  // the refused one took no room; 400ms's is still in
  EXPECT_FALSE(c.admit_request(t0 + 1400ms));
  EXPECT_EQ(c.stats(t0 + 1400ms).at("requests_refused_rate"), 2);
}

TEST(SimCapacity, ResetZeroesTheCountersAndRestartsThePeakFromNow)
{
  sim_capacity c;
  c.set_limits({.max_running = 1, .max_rps = 1});
  c.run_started(t0, t0 + 5s);
  c.run_started(t0, t0 + 1s);
  EXPECT_TRUE(c.admit_run(t0));
  EXPECT_FALSE(c.admit_request(t0));
  EXPECT_TRUE(c.admit_request(t0));
  c.reset(t0 + 2s);
  const auto s = c.stats(t0 + 2s);
  EXPECT_EQ(s.at("runs_refused_capacity"), 0);
  EXPECT_EQ(s.at("requests_refused_rate"), 0);
  EXPECT_EQ(s.at("peak_running"), 1);
  EXPECT_EQ(s.at("max_running"), 1); // limits stay
}
