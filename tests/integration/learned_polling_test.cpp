// Adaptive polling from learned run times (#24) with a real weshopd and a
// weshop-sim whose runs take a fixed ~3 s: once a few runs were learned,
// later ones are noticed soon after they end, with no more polls than the
// back-off; running jobs show expectedFinishAt; GET /v1/agents shows the
// estimate, and a restart keeps it. Generous bounds and counts only.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <numeric>
#include <optional>

using namespace weshopd;
namespace json = boost::json;

namespace {

// pending 200 + segmenting 200 + running 2600 ms: each run ends ~3 s after its submit.
const std::vector<std::string> three_second_runs = {"--pending-ms", "200", "--segmenting-ms", "200", "--running-ms",
                                                    "2600"};
constexpr double run_seconds = 3.0;

// Seconds since the epoch of an RFC 3339 time as weshopd writes it ("...T10:00:00.123Z").
double seconds_of(const json::value& rfc3339)
{
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  std::sscanf(std::string(rfc3339.as_string()).c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms);
  const auto day = std::chrono::sys_days(std::chrono::year(y) / mo / d).time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(day).count()) + h * 3600.0 + mi * 60.0 +
         s + ms / 1000.0;
}

class LearnedPolling : public test::Daemon {
protected:
  int next_ = 0;

  // `n` jobs at once, each waited for to its end; their JSON at the end.
  std::vector<json::value> wave(int n, bool check_expected_finish = false)
  {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})",
                                       "https://x.test/p" + std::to_string(next_++) + ".png"));
      EXPECT_EQ(r.status, 201u) << r.text;
      ids.emplace_back(r.body.at("id").as_string());
    }
    if (check_expected_finish) { // while it runs, its expected end: created + ~3 s
      const auto& id = ids.front();
      json::value seen;
      EXPECT_TRUE(test::eventually([&] {
        const auto j = daemon_->call("GET", "/v1/jobs/" + id).body;
        if (j.at("state") == "running" && !j.at("expectedFinishAt").is_null())
          seen = j;
        const bool ended = j.at("state") == "succeeded" || j.at("state") == "failed" || j.at("state") == "canceled";
        return !seen.is_null() || ended;
      }));
      EXPECT_FALSE(seen.is_null()) << "expectedFinishAt never showed while the job ran";
      if (!seen.is_null()) {
        const double ahead = seconds_of(seen.at("expectedFinishAt")) - seconds_of(seen.at("createdAt"));
        EXPECT_GT(ahead, 1.0);
        EXPECT_LT(ahead, 10.0);
      }
    }
    std::vector<json::value> out;
    for (const auto& id : ids) {
      json::value j;
      EXPECT_TRUE(test::eventually(
        [&] {
          j = daemon_->call("GET", "/v1/jobs/" + id).body;
          return j.at("state") == "succeeded" || j.at("state") == "failed";
        },
        std::chrono::seconds(60)));
      EXPECT_EQ(j.at("state"), "succeeded") << j;
      EXPECT_TRUE(j.at("expectedFinishAt").is_null()) << "shown only while it runs";
      out.push_back(j);
    }
    return out;
  }

  // How late, on average, the jobs' ends were noticed: finishedAt minus the
  // sim's own terminal moment of the run (GET /admin/runs), so a slow submit
  // on a loaded machine (sanitizers) does not count as lag.
  double mean_lag(const std::vector<json::value>& jobs)
  {
    const auto [status, listing] = sim_->admin("GET", "/admin/runs");
    EXPECT_EQ(status, 200u) << listing;
    double sum = 0;
    for (const auto& j : jobs) {
      const auto& run_id = j.at("upstream").at("executionId");
      double ended = seconds_of(j.at("createdAt")) + run_seconds; // (only if the sim does not list it)
      for (const auto& r : listing.at("runs").as_array())
        if (r.at("executionId") == run_id && !r.at("terminalAt").is_null())
          ended = r.at("terminalAt").to_number<double>() / 1000.0;
      sum += seconds_of(j.at("finishedAt")) - ended;
    }
    return sum / static_cast<double>(jobs.size());
  }

  // GET /openapi/agent/runs/{id} the sim has answered so far.
  std::uint64_t polls()
  {
    const auto stats = sim_->stats();
    const auto* n = stats.at("requests").as_object().if_contains("run");
    return n ? n->to_number<std::uint64_t>() : 0;
  }

  json::value aipose_typical()
  {
    const auto catalog = daemon_->call("GET", "/v1/agents").body;
    for (const auto& a : catalog.at("agents").as_array())
      if (a.at("name") == "aipose" && a.at("version") == "v1.0")
        return a.at("typicalSeconds");
    return nullptr;
  }
};

} // namespace

TEST_F(LearnedPolling, LaterRunsAreNoticedSoonAfterTheirEndAndTheEstimateOutlivesARestart)
{
  start(three_second_runs);
  EXPECT_TRUE(aipose_typical().is_null()) << "nothing learned yet";

  const auto before = polls();
  const auto first = wave(6); // today's back-off: polls at ~1, 3, 7 s
  const auto today_polls = static_cast<double>(polls() - before) / 6.0;
  const double today_lag = mean_lag(first);

  wave(6); // learning what the first wave taught
  const auto learned_from = polls();
  const auto later = wave(6, true);
  const auto learned_polls = static_cast<double>(polls() - learned_from) / 6.0;
  const double learned_lag = mean_lag(later);
  std::cout << "lag today " << today_lag << " s, learned " << learned_lag << " s; polls per job today "
            << today_polls << ", learned " << learned_polls << "\n";
  // The goal is 1 s on average; a loaded machine adds a little. (Today's lag
  // is printed, not compared: its jittered poll at ~3 s catches some runs.)
  EXPECT_LT(learned_lag, 1.25);
  EXPECT_GT(learned_polls, 0.9);
  EXPECT_LE(learned_polls, today_polls + 0.5);

  const auto typical = aipose_typical();
  ASSERT_TRUE(typical.is_object()) << typical;
  const double p50 = typical.at("p50").to_number<double>();
  EXPECT_GT(p50, 1.0);
  EXPECT_LT(p50, 8.0);
  EXPECT_GE(typical.at("p90").to_number<double>(), p50);

  EXPECT_EQ(daemon_->stop(), 0);
  restart(); // the clean stop wrote what was learned; the new daemon reads it
  const auto kept = aipose_typical();
  ASSERT_TRUE(kept.is_object()) << kept;
  EXPECT_NEAR(kept.at("p50").to_number<double>(), p50, 0.01);
  EXPECT_EQ(kept.at("runs"), typical.at("runs"));
}

TEST_F(LearnedPolling, SwitchedOffTheBackOffStaysButTheEstimateIsStillLearned)
{
  daemon_env_.push_back("WESHOPD_ENGINE_ADAPTIVE_POLLING=false");
  start(three_second_runs);
  wave(6);
  const auto from = polls();
  wave(6);
  // The back-off's polls (~1, 3, 7 s): two or three per 3 s run, as before.
  const auto per_job = static_cast<double>(polls() - from) / 6.0;
  EXPECT_GE(per_job, 1.9);
  const auto typical = aipose_typical(); // learned and shown all the same
  ASSERT_TRUE(typical.is_object()) << typical;
  EXPECT_EQ(typical.at("runs"), 12);
}

// Learned at ~3 s, then a run of ~9 s: its expectedFinishAt first says ~3 s
// after its start, and once the run is seen past it, moves later (never
// before the next poll), while the job still runs; it ends succeeded.
TEST_F(LearnedPolling, ExpectedFinishAtMovesWhenARunOverstays)
{
  start(three_second_runs);
  wave(6);
  const auto [set, now] = sim_->admin("POST", "/admin/durations", R"({"lognormal":{"aipose":{"median_ms":9000,"sigma":0}}})");
  ASSERT_EQ(set, 200u) << now;
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})", "https://x.test/long.png"));
  ASSERT_EQ(r.status, 201u) << r.text;
  const std::string id(r.body.at("id").as_string());
  std::optional<double> first, moved;
  json::value j;
  ASSERT_TRUE(test::eventually(
    [&] {
      j = daemon_->call("GET", "/v1/jobs/" + id).body;
      if (j.at("state") == "running" && !j.at("expectedFinishAt").is_null()) {
        const double at = seconds_of(j.at("expectedFinishAt"));
        if (!first)
          first = at;
        else if (at > *first + 1.0)
          moved = at;
      }
      return moved.has_value() || j.at("state") == "succeeded" || j.at("state") == "failed";
    },
    std::chrono::seconds(30)));
  ASSERT_TRUE(first) << "expectedFinishAt never showed: " << j;
  ASSERT_TRUE(moved) << "expectedFinishAt stayed at its first value while the run overstayed: " << j;
  // First the learned ~3 s; then, while it still ran, more than a second
  // later (the loop above took `moved` only so).
  EXPECT_LT(*first - seconds_of(j.at("createdAt")), 6.0);
  EXPECT_TRUE(test::eventually([&] { return daemon_->call("GET", "/v1/jobs/" + id).body.at("state") == "succeeded"; },
                               std::chrono::seconds(60)));
}
