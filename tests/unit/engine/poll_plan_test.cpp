// The plan a learned run-time distribution produces (a fake clock: no time
// passes). Its promises are checked by following sampled runs poll by poll,
// not with the plan's own arithmetic: runs drawn from the distribution the
// estimate learnt, each polled until a poll sees it ended.
#include "engine/learned_poll_schedule.hpp"
#include "engine/poll_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

poll_timing polling_only(milliseconds floor = 1s)
{
  return poll_timing{.initial = floor, .cap = 30s, .safety_poll = std::nullopt, .hint_interval = 1s};
}

// `n` run times, log-normal around `median` (sigma in log space).
std::vector<milliseconds> runs(std::size_t n, milliseconds median, double sigma, unsigned seed)
{
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(static_cast<double>(median.count())), sigma);
  std::vector<milliseconds> out;
  for (std::size_t i = 0; i < n; ++i)
    out.emplace_back(static_cast<milliseconds::rep>(d(rng)));
  return out;
}

run_time_estimate learnt_from(const std::vector<milliseconds>& times)
{
  run_time_estimate e; // every run counts alike
  for (const auto t : times)
    e.update(t);
  return e;
}

struct followed {
  double polls = 0;         // per run, on average
  std::vector<double> lags; // seconds, sorted
};

// Each run polled as the poller would (record_run's first poll at the floor,
// then poll_delay; or the plan), until a poll at or after its end.
followed follow(const std::vector<milliseconds>& times, const poll_timing& t, const poll_plan* plan)
{
  followed f;
  std::size_t polls = 0;
  for (const auto end : times) {
    poll_counts c;
    milliseconds at = plan ? learned_poll_delay(t, c, 0ms, plan, 0.5) : t.initial;
    for (++polls; at < end; ++polls)
      at += learned_poll_delay(t, c, at, plan, 0.5);
    f.lags.push_back(static_cast<double>((at - end).count()) / 1000.0);
  }
  f.polls = static_cast<double>(polls) / static_cast<double>(times.size());
  std::sort(f.lags.begin(), f.lags.end());
  return f;
}

double quantile(const std::vector<double>& sorted, double q)
{
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

} // namespace

TEST(PollPlan, NothingLearntNothingPlanned)
{
  EXPECT_TRUE(plan_polls(run_time_estimate{}, polling_only()).at.empty());
}

TEST(PollPlan, NoMorePollsThanTodayAndNoticedSooner)
{
  for (const auto median : {8s, 20s, 120s}) {
    const auto t = polling_only();
    const auto plan = plan_polls(learnt_from(runs(2000, median, 0.6, 1)), t);
    const auto fresh = runs(5000, median, 0.6, 2); // runs the estimate never saw
    const auto today = follow(fresh, t, nullptr);
    const auto learned = follow(fresh, t, &plan);
    EXPECT_LE(learned.polls, today.polls * 1.03) << median.count();
    const auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    EXPECT_LT(mean(learned.lags), mean(today.lags) / 2) << median.count();
    EXPECT_LT(quantile(learned.lags, 0.5), quantile(today.lags, 0.5) / 2) << median.count();
    EXPECT_LT(quantile(learned.lags, 0.99), quantile(today.lags, 0.99)) << median.count();
  }
}

TEST(PollPlan, SparseEarlyDenseNearTheEnd)
{
  // Runs of about 40 s (sigma 0.3: 90 % between 24 s and 65 s).
  const auto plan = plan_polls(learnt_from(runs(2000, 40s, 0.3, 3)), polling_only());
  ASSERT_GE(plan.at.size(), 4U);
  // Today polls at 1, 2, 4, 8 and 16 s, when almost no run has ended; the plan
  // waits for the runs' lowest few percent.
  EXPECT_GE(plan.at.front(), 15s);
  EXPECT_LE(plan.at.front(), 30s); // never further apart than the cap
  // Where most runs end its polls are close: closer than its first two.
  const auto gap_at = [&](milliseconds when) {
    const auto it = std::lower_bound(plan.at.begin(), plan.at.end(), when);
    return it == plan.at.begin() || it == plan.at.end() ? milliseconds::max() : *it - *(it - 1);
  };
  EXPECT_LT(gap_at(40s), plan.at.front() / 4);
  EXPECT_LT(gap_at(40s), plan.at[1] - plan.at[0]);
  // It ends near the runs' p99 (about 80 s): beyond, the back-off.
  EXPECT_GE(plan.at.back(), 60s);
  EXPECT_LE(plan.at.back(), 100s);
}

TEST(PollPlan, NeverCloserThanTheFloorNorFurtherThanTheCap)
{
  for (const auto floor : {250ms, 1000ms, 2000ms}) {
    for (const auto& [median, sigma] : std::vector<std::pair<milliseconds, double>>{{3s, 0.05}, {30s, 0.5}, {600s, 1.0}}) {
      const auto plan = plan_polls(learnt_from(runs(500, median, sigma, 4)), polling_only(floor));
      ASSERT_FALSE(plan.at.empty());
      EXPECT_GE(plan.at.front(), floor);
      EXPECT_LE(plan.at.front(), 30s);
      for (auto it = plan.at.begin(); it + 1 != plan.at.end(); ++it) {
        EXPECT_GE(*(it + 1) - *it, floor) << median.count() << " " << floor.count();
        EXPECT_LE(*(it + 1) - *it, 30s) << median.count() << " " << floor.count();
      }
    }
  }
}
