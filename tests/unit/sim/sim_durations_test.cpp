// weshop-sim's run durations (--duration-lognormal, issue #24), without waiting:
// the draw is log-normal around its median with a long tail and repeats with
// its seed, the phases keep their proportions, the setting applies per agent,
// and GET /admin/runs' listing shows each run's terminal moment and polls.
#include "sim_api.hpp"
#include "sim_durations.hpp"
#include "sim_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace weshop_sim;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::vector<double> draws(const lognormal_duration& d, std::uint64_t seed, int n)
{
  std::mt19937_64 rng(seed);
  std::vector<double> out;
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<double>(draw_duration(d, rng).count()));
  std::ranges::sort(out);
  return out;
}

double quantile(const std::vector<double>& sorted, double q)
{
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

const sim_run& new_run(sim_state& state, std::string agent, std::string task = "")
{
  json::object input{{"originalImage", "https://x.test/a.png"}};
  if (!task.empty())
    input["taskName"] = task;
  return state.create_run(std::move(agent), "v1.0", std::move(input), {{"batchCount", 1}}, "");
}

} // namespace

TEST(SimDurations, DrawsAreLogNormalAroundTheMedianWithALongTail)
{
  const auto d = draws({20000ms, 0.6}, 7, 2000);
  EXPECT_NEAR(quantile(d, 0.5), 20000, 2000); // the median's own spread over 2,000 draws is about 2%
  // Log-normal: p90/p50 = e^(1.2816·0.6) = 2.16, p50/p10 the same; p99/p50 = e^(2.326·0.6) = 4.04.
  EXPECT_NEAR(quantile(d, 0.9) / quantile(d, 0.5), 2.16, 0.3);
  EXPECT_NEAR(quantile(d, 0.5) / quantile(d, 0.1), 2.16, 0.3);
  EXPECT_GT(quantile(d, 0.99) / quantile(d, 0.5), 3.0);
  double sum = 0, squares = 0;
  for (const auto x : d) {
    sum += std::log(x);
    squares += std::log(x) * std::log(x);
  }
  const double mean = sum / 2000;
  EXPECT_NEAR(mean, std::log(20000.0), 0.05);
  EXPECT_NEAR(std::sqrt(squares / 2000 - mean * mean), 0.6, 0.05);
}

TEST(SimDurations, TheSameSeedDrawsTheSameDurations)
{
  EXPECT_EQ(draws({8000ms, 1.0}, 42, 50), draws({8000ms, 1.0}, 42, 50));
  EXPECT_NE(draws({8000ms, 1.0}, 42, 50), draws({8000ms, 1.0}, 43, 50));
}

TEST(SimDurations, SigmaZeroIsAlwaysTheMedianAndDrawsStayInBounds)
{
  std::mt19937_64 rng(1);
  EXPECT_EQ(draw_duration({1234ms, 0}, rng), 1234ms);
  for (const auto x : draws({1ms, 5}, 3, 500)) {
    EXPECT_GE(x, 1);
    EXPECT_LE(x, static_cast<double>(longest_drawn_run.count()));
  }
  EXPECT_EQ(draws({std::chrono::milliseconds(longest_drawn_run), 5}, 3, 500).back(),
            static_cast<double>(longest_drawn_run.count()));
}

TEST(SimDurations, ATotalIsSplitInTheFixedPhasesProportions)
{
  const timing base{50ms, 50ms, 100ms};
  const auto t = split_like(base, 20000ms);
  EXPECT_EQ(t.pending, 5000ms);
  EXPECT_EQ(t.segmenting, 5000ms);
  EXPECT_EQ(t.running, 10000ms);
  const auto odd = split_like(base, 7ms); // rounded down; Running takes the rest
  EXPECT_EQ(odd.pending, 1ms);
  EXPECT_EQ(odd.segmenting, 1ms);
  EXPECT_EQ(odd.total(), 7ms);
  EXPECT_EQ(split_like({0ms, 0ms, 0ms}, 300ms).running, 300ms);
}

TEST(SimDurations, SpecsAreAgentMedianAndSigma)
{
  std::string error;
  const auto a = parse_duration_spec("aimodel=20000:0.6", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->agent, "aimodel");
  EXPECT_EQ(a->duration, (lognormal_duration{20000ms, 0.6}));
  const auto any = parse_duration_spec("*=8000:0", error);
  ASSERT_TRUE(any) << error;
  EXPECT_EQ(any->agent, "*");
  for (const auto* bad : {"aimodel", "=1:0", "a=1", "a=0:0.5", "a=1:-1", "a=1:6", "a=1.5:0.2", "a=20000:0.6x",
                          "a=86400001:0", "a=:0.5", "a=5:"}) {
    error.clear();
    EXPECT_FALSE(parse_duration_spec(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(SimDurations, EachAgentGetsItsOwnAndStarTheOthers)
{
  run_durations d;
  const timing fixed{50ms, 50ms, 100ms};
  std::mt19937_64 rng(1);
  EXPECT_EQ(d.phases_for("aimodel", fixed, rng).total(), 200ms); // none set: the fixed phases
  d.set("aimodel", {20000ms, 0});
  EXPECT_EQ(d.phases_for("aimodel", fixed, rng).total(), 20000ms);
  EXPECT_EQ(d.phases_for("aipose", fixed, rng).total(), 200ms); // not named, no "*"
  d.set("*", {8000ms, 0});
  EXPECT_EQ(d.phases_for("aipose", fixed, rng).total(), 8000ms);
  EXPECT_EQ(d.phases_for("aimodel", fixed, rng).total(), 20000ms);
}

TEST(SimDurations, TheAdminShapeRoundTripsAndRefusesOthers)
{
  run_durations d;
  d.set("aimodel", {20000ms, 0.6});
  d.set("*", {8000ms, 0.25});
  const auto o = d.to_json();
  EXPECT_EQ(o.at("aimodel").at("median_ms"), 20000);
  std::string error;
  const auto back = run_durations::from_json(o, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->to_json(), o);
  for (const auto* bad : {R"({"a": {"median_ms": 0, "sigma": 1}})", R"({"a": {"median_ms": 10, "sigma": 9}})",
                          R"({"a": {"median_ms": 10}})", R"({"a": {"median_ms": 10, "sigma": 1, "x": 1}})",
                          R"({"a": 10})", R"({"": {"median_ms": 10, "sigma": 1}})"}) {
    error.clear();
    EXPECT_FALSE(run_durations::from_json(json::parse(bad).as_object(), error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(SimDurations, RunsOfEachAgentTakeTheirSettingsDuration)
{
  sim_state state(1, {50ms, 50ms, 100ms}, 0);
  EXPECT_EQ(new_run(state, "aipose").phases.total(), 200ms);
  state.durations.set("aimodel", {20000ms, 0});
  state.durations.set("*", {8000ms, 0});
  const auto& model = new_run(state, "aimodel");
  EXPECT_EQ(model.phases.total(), 20000ms);
  EXPECT_EQ(model.phases.running, 10000ms);
  EXPECT_EQ(new_run(state, "aipose").phases.total(), 8000ms);
  EXPECT_EQ(state.status_at(model, model.created + 4999ms), "Pending");
  EXPECT_EQ(state.status_at(model, model.created + 5000ms), "Segmenting");
  EXPECT_EQ(state.status_at(model, model.created + 19999ms), "Running");
  EXPECT_EQ(state.status_at(model, model.created + 20000ms), "Success");
}

TEST(SimDurations, ASeededSimDrawsTheSameDurationsWhateverElseIsRandom)
{
  std::vector<std::chrono::milliseconds> first, second;
  for (auto* out : {&first, &second}) {
    sim_state state(9, {}, out == &first ? 0.0 : 0.5); // the fail rate takes draws of its own
    state.durations.set("*", {20000ms, 0.6});
    for (int i = 0; i < 20; ++i)
      out->push_back(new_run(state, "aipose").phases.total());
  }
  EXPECT_EQ(first, second);
  EXPECT_GT(std::ranges::max(first), std::ranges::min(first));
}

TEST(SimDurations, TheRunsListingShowsTerminalMomentsAndPolls)
{
  sim_state state(1, {}, 0);
  state.durations.set("aimodel", {3000ms, 0});
  const auto& run = new_run(state, "aimodel", "job-1");
  new_run(state, "aipose");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(get_run(state, run.id, false).status, 200u);
  EXPECT_EQ(get_run(state, "nonesuch", false).status, 404u);

  const auto before = state.runs(run.created + 2999ms);
  ASSERT_EQ(before.size(), 2u);
  const auto& first = before[0].as_object();
  EXPECT_EQ(first.at("executionId"), json::value(run.id));
  EXPECT_EQ(first.at("agent"), "aimodel");
  EXPECT_EQ(first.at("taskName"), "job-1");
  EXPECT_EQ(first.at("status"), "Running");
  EXPECT_EQ(first.at("createdAt"), run.created_unix_ms);
  EXPECT_TRUE(first.at("terminalAt").is_null());
  EXPECT_EQ(first.at("polls"), 3);
  EXPECT_TRUE(before[1].at("taskName").is_null());
  EXPECT_EQ(before[1].at("polls"), 0);

  const auto after = state.runs(run.created + 3000ms);
  EXPECT_EQ(after[0].at("status"), "Success");
  EXPECT_EQ(after[0].at("terminalAt"), run.created_unix_ms + 3000);
}
