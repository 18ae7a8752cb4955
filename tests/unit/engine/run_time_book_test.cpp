// The book of learned run times: how old runs fade (with time in use, not
// per run) on a fake clock. Plain values.
#include "engine/run_time_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

const std::string key = "aimodel@v1.0";
const timestamp t0{milliseconds(1'800'000'000'000)};

double seconds(milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }

} // namespace

// 300 runs submitted one every 0.2 s, log-normal around 20 s, seen as they
// end: at the batch's start the short ones end first, at its end the long
// ones. The book's median and p90 are the batch's own; fading per run (as
// the estimate once did, 0.95 a run) made the kind look much slower.
TEST(RunTimeBook, TheOrderRunsEndInDoesNotBiasTheEstimate)
{
  std::mt19937_64 rng(24);
  std::lognormal_distribution<double> draw(std::log(20000.0), 0.6);
  std::vector<std::pair<milliseconds, milliseconds>> ends; // (end, took)
  std::vector<double> took;
  for (int i = 0; i < 300; ++i) {
    const milliseconds run(static_cast<milliseconds::rep>(draw(rng)));
    ends.emplace_back(milliseconds(i * 200) + run, run);
    took.push_back(seconds(run));
  }
  std::sort(ends.begin(), ends.end());
  std::sort(took.begin(), took.end());
  run_time_book book;
  run_time_estimate faded_per_run;
  for (const auto& [end, run] : ends) {
    book.observe(key, run, run, t0 + end);
    faded_per_run.decay(0.95);
    faded_per_run.update(run);
  }
  const auto q = book.quantiles(key);
  ASSERT_TRUE(q);
  const double median = took[took.size() / 2], p90 = took[took.size() * 9 / 10];
  EXPECT_NEAR(seconds(q->p50), median, 0.1 * median);
  EXPECT_NEAR(seconds(q->p90), p90, 0.1 * p90);
  EXPECT_GT(seconds(*faded_per_run.quantile(0.5)), 1.3 * median); // the bias this removes
}

// Runs of 60 s, then WeShop gets faster (10 s), one run a minute: after
// 15 minutes the old regime still holds the median, after two hours it is
// gone, the tail too.
TEST(RunTimeBook, OldRunsFadeWithTimeInUse)
{
  run_time_book book;
  auto now = t0;
  for (int i = 0; i < 50; ++i)
    book.observe(key, 60s, 60s, now += 10s);
  EXPECT_NEAR(seconds(book.quantiles(key)->p50), 60, 15);
  for (int i = 0; i < 15; ++i)
    book.observe(key, 10s, 10s, now += 1min);
  EXPECT_GT(seconds(book.quantiles(key)->p50), 30);
  for (int i = 0; i < 105; ++i)
    book.observe(key, 10s, 10s, now += 1min);
  EXPECT_NEAR(seconds(book.quantiles(key)->p50), 10, 2.5);
  EXPECT_NEAR(seconds(book.quantiles(key)->p90), 10, 2.5);
}

// Two days without a run age the estimate no more than fade_idle_cap does:
// the first runs after the break do not become the whole estimate.
TEST(RunTimeBook, IdleTimeDoesNotAgeTheEstimate)
{
  run_time_book book;
  auto now = t0;
  for (int i = 0; i < 50; ++i)
    book.observe(key, 60s, 60s, now += 10s);
  now += 48h;
  for (int i = 0; i < 5; ++i)
    book.observe(key, 10s, 10s, now += 10s);
  EXPECT_NEAR(seconds(book.quantiles(key)->p50), 60, 15);
}
