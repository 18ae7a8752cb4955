// The learned run-time estimate: updates, fading, intervals, text form. Plain values.
#include "engine/run_time_estimate.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace weshopd::engine;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// Within the bucket's relative width (~26 %), as interpolation allows.
void expect_near(std::optional<milliseconds> got, milliseconds want, double rel = 0.27)
{
  ASSERT_TRUE(got);
  EXPECT_NEAR(static_cast<double>(got->count()), static_cast<double>(want.count()), rel * static_cast<double>(want.count()));
}

} // namespace

TEST(RunTimeEstimate, NothingKnownBeforeTheFirstRun)
{
  const run_time_estimate e;
  EXPECT_EQ(e.count(), 0U);
  EXPECT_FALSE(e.quantile(0.5));
}

TEST(RunTimeEstimate, QuantilesFollowTheRunsSeen)
{
  run_time_estimate e;
  for (int i = 0; i < 20; ++i)
    e.update(20s);
  EXPECT_EQ(e.count(), 20U);
  expect_near(e.quantile(0.5), 20s);
  expect_near(e.quantile(0.9), 20s);
  // A slow tail moves p99 far more than p50.
  e.update(400s);
  expect_near(e.quantile(0.5), 20s);
  EXPECT_GT(*e.quantile(0.99), 200s);
  EXPECT_LE(*e.quantile(0.1), *e.quantile(0.5));
  EXPECT_LE(*e.quantile(0.5), *e.quantile(0.9));
  EXPECT_LE(*e.quantile(0.9), *e.quantile(0.99));
}

// A run still going past most of its kind: its likely end moves to the
// longer runs' median (what expectedFinishAt shows once a run overstays).
TEST(RunTimeEstimate, ARunThatOverstaysIsExpectedAmongTheLongerOnes)
{
  run_time_estimate e; // the weights are the runs
  for (int i = 0; i < 10; ++i)
    e.update(10s);
  for (int i = 0; i < 10; ++i)
    e.update(100s);
  expect_near(e.quantile_after(0.5, 0s), *e.quantile(0.5), 0.01); // nothing elapsed: the median itself
  expect_near(e.quantile_after(0.5, 30s), 100s);                   // past the short ones: among the long
  EXPECT_GE(*e.quantile_after(0.5, 99s), 99s);                     // never before now
  EXPECT_FALSE(e.quantile_after(0.5, 3000s)); // longer than anything seen: unknown
  EXPECT_FALSE(run_time_estimate().quantile_after(0.5, 1s));
}

TEST(RunTimeEstimate, ExplicitDecayScalesEveryCount)
{
  run_time_estimate e;
  e.update(5s);
  const auto before = e.counts();
  e.decay(0.5);
  for (std::size_t i = 0; i < run_time_estimate::buckets; ++i)
    EXPECT_DOUBLE_EQ(e.counts()[i], before[i] * 0.5);
}

TEST(RunTimeEstimate, AnIntervalSpreadsItsWeight)
{
  run_time_estimate e;
  for (int i = 0; i < 10; ++i)
    e.update(4s, 16s); // ended somewhere between the two polls
  expect_near(e.quantile(0.5), 8s); // the geometric middle
  EXPECT_LT(*e.quantile(0.1), 6s);
  EXPECT_GT(*e.quantile(0.9), 12s);
  double total = 0;
  for (const auto c : e.counts())
    total += c;
  EXPECT_NEAR(total, 10, 1e-9); // each run weighs 1
}

TEST(RunTimeEstimate, TimesOutsideTheRangeCountAtItsEdges)
{
  run_time_estimate e;
  e.update(200ms);
  e.update(5h);
  EXPECT_GE(*e.quantile(0.0), 1s);
  EXPECT_LE(*e.quantile(1.0), 1800s);
}

// A fresh daemon 60 s into a stream of runs (one every 0.1 s, log-normal
// around 20 s): the ended ones are the short ones. Counting the runs still
// going (each lasted at least since its start) brings the median back.
TEST(RunTimeEstimate, RunsStillGoingCorrectTheShortOnesThatEndedFirst)
{
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> draw(std::log(20000.0), 0.6);
  run_time_estimate ended_only;
  std::vector<milliseconds> going, all;
  for (int i = 0; i < 600; ++i) {
    const milliseconds started(i * 100);
    const milliseconds took(static_cast<milliseconds::rep>(draw(rng)));
    all.push_back(took);
    if (started + took <= 60s)
      ended_only.update(took);
    else
      going.push_back(60s - started);
  }
  std::sort(all.begin(), all.end());
  const auto truth = static_cast<double>(all[all.size() / 2].count());
  const auto corrected = ended_only.with_unfinished(going);
  const auto error = [&](const run_time_estimate& e) { return std::abs(static_cast<double>(e.quantile(0.5)->count()) - truth) / truth; };
  EXPECT_GT(error(ended_only), 0.15) << error(corrected); // the bias this corrects
  EXPECT_LT(error(corrected), 0.15);
  EXPECT_LT(error(corrected), error(ended_only) / 2);
  EXPECT_EQ(corrected.count(), ended_only.count());
  // Nothing still going: the same estimate.
  EXPECT_EQ(ended_only.with_unfinished({}).serialize(), ended_only.serialize());
}

TEST(RunTimeEstimate, TextRoundTrips)
{
  run_time_estimate e;
  for (int i = 0; i < 7; ++i)
    e.update(std::chrono::seconds(3 + i * 4));
  e.update(2s, 9s);
  const auto text = e.serialize();
  EXPECT_TRUE(text.starts_with("h1:8:")) << text;
  EXPECT_LT(text.size(), 200U) << text;
  const auto back = run_time_estimate::parse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->count(), 8U);
  for (std::size_t i = 0; i < run_time_estimate::buckets; ++i)
    EXPECT_NEAR(back->counts()[i], e.counts()[i], 0.0006);
  EXPECT_EQ(back->serialize(), text);
}

TEST(RunTimeEstimate, RefusesTextThatIsNotAnEstimate)
{
  EXPECT_FALSE(run_time_estimate::parse(""));
  EXPECT_FALSE(run_time_estimate::parse("h2:1:"));
  EXPECT_FALSE(run_time_estimate::parse("h1:x:" + std::string(31, ',')));
  EXPECT_FALSE(run_time_estimate::parse("h1:1:" + std::string(30, ',')));  // 31 counts
  EXPECT_FALSE(run_time_estimate::parse("h1:1:" + std::string(32, ',')));  // 33 counts
  EXPECT_FALSE(run_time_estimate::parse("h1:1:-1" + std::string(31, ',')));
  EXPECT_FALSE(run_time_estimate::parse("h1:1:1x" + std::string(31, ',')));
  EXPECT_TRUE(run_time_estimate::parse("h1:1:1" + std::string(31, ',')));
}

TEST(RunTimeKey, AgentVersionAndGenerateVersion)
{
  EXPECT_EQ(run_time_key("aimodel", "v1.0", {}), "aimodel@v1.0");
  const auto with = boost::json::parse(R"({"generateVersion":"weshopPro","x":1})").as_object();
  EXPECT_EQ(run_time_key("aimodel", "v1.0", with), "aimodel@v1.0/weshopPro");
  const auto number = boost::json::parse(R"({"generateVersion":2})").as_object();
  EXPECT_EQ(run_time_key("aimodel", "v1.0", number), "aimodel@v1.0/2");
}
