// weshop-sim's own behaviour: run states move with time, callbacks in every
// mode, seeded faults that repeat exactly, the capacity limits
// (--max-running, --max-rps, /admin/capacity), and run durations per agent
// (--duration-lognormal, /admin/durations) with each run's terminal moment
// and polls (/admin/runs).

#include "common/run_sync.hpp"
#include "common/shell_run.hpp"
#include "common/sim_process.hpp"
#include "common/test_key.hpp"
#include "upstream/weshop_client.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

class Sim : public ::testing::Test {
protected:
  test::temp_dir dir_;
  test::sim_pki pki_ = test::make_sim_pki(dir_);
  boost::asio::io_context io_;

  std::unique_ptr<test::sim_process> start(std::vector<std::string> flags)
  {
    return std::make_unique<test::sim_process>(pki_.cert, pki_.key, pki_.ca, flags);
  }

  upstream::weshop_client client(const test::sim_process& sim)
  {
    return upstream::weshop_client(io_.get_executor(), upstream::api_key(test::test_api_key()),
                                   {.test_origin = sim.endpoints().api, .ca_file = pki_.ca});
  }

  std::string start_run(upstream::weshop_client& c, std::optional<std::string> callback = std::nullopt)
  {
    auto r = test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                             {{"textDescription", "x"}, {"batchCount", 2}}, callback));
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->execution_id : "";
  }

  // Waits until the sink holds `n` callbacks or `timeout` passes.
  json::array wait_for_sink(test::sim_process& sim, std::size_t n, std::chrono::milliseconds timeout)
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto got = sim.sink();
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      got = sim.sink();
    }
    return got;
  }
};

} // namespace

TEST_F(Sim, RunsMoveThroughEveryStateInOrder)
{
  auto sim = start({"--pending-ms", "150", "--segmenting-ms", "150", "--running-ms", "150"});
  auto c = client(*sim);
  const auto id = start_run(c);
  std::vector<std::string> seen;
  for (int i = 0; i < 300 && (seen.empty() || seen.back() != "Success"); ++i) {
    auto r = test::run_sync(io_, c.get_run(id));
    ASSERT_TRUE(r);
    if (seen.empty() || seen.back() != r->status)
      seen.push_back(r->status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Pending", "Segmenting", "Running", "Success"}));
}

TEST_F(Sim, CallbackModes)
{
  auto sim = start({"--pending-ms", "20", "--segmenting-ms", "20", "--running-ms", "20"});
  auto c = client(*sim);
  const auto sink = sim->endpoints().admin + "/admin/sink/job-1/token-abc";

  // once: one POST to the exact URL, with the run's final status
  const auto id = start_run(c, sink);
  auto got = wait_for_sink(*sim, 1, std::chrono::seconds(5));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("path"), "/admin/sink/job-1/token-abc");
  EXPECT_EQ(got[0].at("body").at("executionId"), json::value(id));
  EXPECT_EQ(got[0].at("body").at("status"), "Success");

  sim->reset();
  sim->set_callbacks("duplicate");
  start_run(c, sink);
  EXPECT_EQ(wait_for_sink(*sim, 5, std::chrono::seconds(5)).size(), 5u);

  sim->reset();
  sim->set_callbacks("wrong_path");
  start_run(c, sink);
  got = wait_for_sink(*sim, 1, std::chrono::seconds(5));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("path"), "/admin/sink/job-1/token-abc/wrong");

  sim->reset();
  sim->set_callbacks("dropped");
  start_run(c, sink);
  EXPECT_EQ(wait_for_sink(*sim, 1, std::chrono::milliseconds(400)).size(), 0u);
  EXPECT_EQ(sim->stats().at("callbacks").at("dropped"), 1);

  sim->reset();
  sim->set_callbacks("delayed", 700);
  start_run(c, sink);
  EXPECT_EQ(wait_for_sink(*sim, 1, std::chrono::milliseconds(300)).size(), 0u); // run done, callback not yet
  EXPECT_EQ(wait_for_sink(*sim, 1, std::chrono::seconds(5)).size(), 1u);

  sim->reset();
  sim->set_callbacks("off");
  start_run(c, sink);
  EXPECT_EQ(wait_for_sink(*sim, 1, std::chrono::milliseconds(400)).size(), 0u);
}

TEST_F(Sim, SeededFaultsRepeatExactly)
{
  const auto pattern = [&](const std::string& seed) {
    auto sim = start({"--seed", seed, "--faults", R"([{"endpoint":"info","kind":"status","status":503,"rate":0.5}])"});
    auto c = client(*sim);
    std::string hits;
    for (int i = 0; i < 24; ++i)
      hits += test::run_sync(io_, c.agent_info("aimodel", "v1.0")) ? '.' : 'x';
    return hits;
  };
  const auto a = pattern("42");
  EXPECT_EQ(a, pattern("42"));
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST_F(Sim, RefusesLocalPathsAndBadCallbackUrls)
{
  auto sim = start({});
  auto c = client(*sim);
  auto local = test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "/home/me/a.png"}},
                                               {{"textDescription", "x"}}, std::nullopt));
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().api.code, "INVALID_PARAMS");
  auto bad_cb = test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                                {{"textDescription", "x"}}, std::string("javascript:alert(1)")));
  ASSERT_FALSE(bad_cb);
  EXPECT_EQ(sim->stats().at("runs_created"), 0);
}

TEST_F(Sim, ReceivedRunRequestsAreKeptExactlyAsSent)
{
  auto sim = start({});
  auto c = client(*sim);
  const auto id = start_run(c); // batchCount 2, an integer
  // weshopd's client sends the canonical form: 2.0 goes as 2, a null not at all.
  auto canonical = test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                                   {{"textDescription", "x"}, {"batchCount", 2.0}, {"generateVersion", nullptr}},
                                                   std::nullopt));
  ASSERT_TRUE(canonical) << canonical.error().message;
  auto refused = test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                                 {{"textDescription", "x"}, {"batchCount", 17}}, std::nullopt));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().api.code, "INVALID_PARAMS");
  EXPECT_NE(refused.error().api.message.find("/params/batchCount"), std::string::npos) << refused.error().api.message;
  sim->set_faults(R"([{"endpoint":"runs","kind":"status","status":503,"count":1}])");
  EXPECT_FALSE(test::run_sync(io_, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                               {{"textDescription", "x"}}, std::nullopt)));

  const auto received = sim->received();
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0].at("executionId"), json::value(id));
  EXPECT_EQ(received[0].at("status"), 200);
  const std::string first(received[0].at("body").as_string());
  EXPECT_NE(first.find(R"("batchCount":2)"), std::string::npos) << first;
  const std::string second(received[1].at("body").as_string());
  EXPECT_EQ(received[1].at("status"), 200);
  EXPECT_NE(second.find(R"("batchCount":2})"), std::string::npos) << second;
  EXPECT_EQ(second.find("null"), std::string::npos) << second;
  EXPECT_TRUE(received[2].at("executionId").is_null());
  EXPECT_EQ(received[2].at("status"), 400);
  EXPECT_TRUE(received[3].at("executionId").is_null());
  EXPECT_EQ(received[3].at("status"), 503);

  sim->reset();
  EXPECT_TRUE(sim->received().empty());
}

TEST_F(Sim, OnlyTheListedPresetIdsAreAccepted)
{
  auto sim = start({});
  auto c = client(*sim);
  auto info = test::run_sync(io_, c.agent_info("aimodel", "v1.0"));
  ASSERT_TRUE(info);
  ASSERT_EQ(info->at("locations").as_array().size(), 5u);
  EXPECT_EQ(info->at("locations").as_array().back().at("id"), 5);
  const auto run_with = [&](std::int64_t location) {
    return test::run_sync(io_, c.start_run("aimodel", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                           {{"generatedContent", "freeCreation"},
                                            {"maskType", "autoApparelSegment"},
                                            {"locationId", location}},
                                           std::nullopt));
  };
  EXPECT_TRUE(run_with(5));
  const auto refused = run_with(6);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400u);
  EXPECT_EQ(refused.error().api.code, "INVALID_PARAMS");
  EXPECT_NE(refused.error().api.message.find("/params/locationId"), std::string::npos);
}

TEST_F(Sim, ShortRunsSucceedWithFailedItems)
{
  auto sim = start({"--pending-ms", "10", "--segmenting-ms", "10", "--running-ms", "10"});
  auto c = client(*sim);
  auto started = test::run_sync(io_, c.start_run("aipose", "v1.0",
                                                 {{"originalImage", "https://x.test/a.png"}, {"taskName", "sim:short=1"}},
                                                 {{"textDescription", "x"}, {"batchCount", 3}}, std::nullopt));
  ASSERT_TRUE(started);
  std::optional<weshop::run> done;
  for (int i = 0; i < 500 && (!done || done->status != "Success"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto r = test::run_sync(io_, c.get_run(started->execution_id));
    ASSERT_TRUE(r);
    done = std::move(*r);
  }
  ASSERT_EQ(done->status, "Success");
  ASSERT_EQ(done->results.size(), 3u);
  EXPECT_EQ(done->results[0].status, "Success");
  EXPECT_FALSE(done->results[0].image.empty());
  EXPECT_EQ(done->results[1].status, "Failed");
  EXPECT_TRUE(done->results[1].image.empty());
  EXPECT_EQ(sim->stats().at("images_produced"), 1);
}

namespace {

// Starts runs until one is refused (or `most` are accepted): the ids accepted and the refusal.
struct run_attempts {
  std::vector<std::string> accepted;
  std::optional<upstream::upstream_error> refused;
};

run_attempts start_runs_until_refused(boost::asio::io_context& io, upstream::weshop_client& c, int most)
{
  run_attempts out;
  for (int i = 0; i < most && !out.refused; ++i) {
    auto r = test::run_sync(io, c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                            {{"textDescription", "x"}}, std::nullopt));
    if (r)
      out.accepted.push_back(r->execution_id);
    else
      out.refused = r.error();
  }
  return out;
}

json::value capacity_stats(test::sim_process& sim)
{
  return sim.stats().at("capacity");
}

} // namespace

TEST_F(Sim, MaxRunningRefusesTheNextRunWithRetryAfterUntilOneFinishes)
{
  // Runs of 3 s: the three requests below all land while the first two run.
  auto sim = start({"--max-running", "2", "--pending-ms", "1000", "--segmenting-ms", "1000", "--running-ms", "1000"});
  auto c = client(*sim);
  const auto tries = start_runs_until_refused(io_, c, 3);
  ASSERT_EQ(tries.accepted.size(), 2u);
  ASSERT_TRUE(tries.refused);
  EXPECT_EQ(tries.refused->http_status, 429u);
  EXPECT_EQ(tries.refused->api.code, "CONCURRENCY_LIMIT");
  EXPECT_TRUE(tries.refused->api.retryable);
  ASSERT_TRUE(tries.refused->retry_after);
  EXPECT_GE(tries.refused->retry_after->count(), 1);
  EXPECT_LE(tries.refused->retry_after->count(), 3);
  EXPECT_EQ(capacity_stats(*sim).at("runs_refused_capacity"), 1);
  EXPECT_EQ(capacity_stats(*sim).at("peak_running"), 2);

  // Once the first run has finished there is room for one more, not two.
  for (int i = 0; i < 500; ++i) {
    auto r = test::run_sync(io_, c.get_run(tries.accepted[0]));
    ASSERT_TRUE(r);
    if (r->status == "Success")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto after = start_runs_until_refused(io_, c, 3);
  EXPECT_GE(after.accepted.size(), 1u);
  EXPECT_EQ(capacity_stats(*sim).at("peak_running"), 2);
  const auto received = sim->received();
  EXPECT_EQ(received[2].at("status"), 429);
  EXPECT_TRUE(received[2].at("executionId").is_null());
}

TEST_F(Sim, MaxRpsRefusesRequestsBeyondTheRateAndAdmitsThemAgainLater)
{
  auto sim = start({"--max-rps", "3"});
  auto c = client(*sim);
  int ok = 0;
  std::optional<upstream::upstream_error> refused;
  for (int i = 0; i < 12; ++i) {
    auto r = test::run_sync(io_, c.agent_info("aimodel", "v1.0"));
    if (r)
      ++ok;
    else if (!refused)
      refused = r.error();
  }
  ASSERT_TRUE(refused) << ok << " of 12 admitted";
  EXPECT_EQ(refused->http_status, 429u);
  EXPECT_EQ(refused->api.code, "RATE_LIMITED");
  EXPECT_TRUE(refused->api.retryable);
  ASSERT_TRUE(refused->retry_after);
  EXPECT_EQ(refused->retry_after->count(), 1);
  EXPECT_EQ(capacity_stats(*sim).at("requests_refused_rate"), 12 - ok);
  EXPECT_EQ(sim->stats().at("requests").at("info"), 12);

  bool admitted_again = false; // the window slides on: within a few seconds a request goes through
  for (int i = 0; i < 100 && !admitted_again; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    admitted_again = test::run_sync(io_, c.agent_info("aimodel", "v1.0")).has_value();
  }
  EXPECT_TRUE(admitted_again);
}

TEST_F(Sim, CapacityLimitsChangeAtRunTimeThroughTheAdminApi)
{
  auto sim = start({"--pending-ms", "60000"}); // runs stay unfinished for the whole test
  auto c = client(*sim);
  EXPECT_EQ(capacity_stats(*sim).at("max_running"), 0);
  EXPECT_EQ(start_runs_until_refused(io_, c, 3).accepted.size(), 3u); // no limit yet

  const auto [status, limits] = sim->admin("POST", "/admin/capacity", R"({"max_running": 4})");
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(limits.at("max_running"), 4);
  EXPECT_EQ(limits.at("max_rps"), 0);
  const auto tries = start_runs_until_refused(io_, c, 3);
  EXPECT_EQ(tries.accepted.size(), 1u); // 3 running + 1 = 4
  ASSERT_TRUE(tries.refused);
  EXPECT_EQ(tries.refused->http_status, 429u);

  EXPECT_EQ(sim->admin("POST", "/admin/capacity", R"({"max_running": 0, "max_rps": 1})").first, 200u);
  EXPECT_EQ(sim->admin("GET", "/admin/capacity").second.at("max_rps"), 1);
  const auto rated = start_runs_until_refused(io_, c, 3); // no run limit now; one request a second
  ASSERT_TRUE(rated.refused);
  EXPECT_EQ(rated.refused->api.code, "RATE_LIMITED");

  EXPECT_EQ(sim->admin("POST", "/admin/capacity", R"({"max_running": -1})").first, 400u);
  EXPECT_EQ(sim->admin("POST", "/admin/capacity", R"({"max_runs": 3})").first, 400u);
  EXPECT_EQ(sim->admin("POST", "/admin/capacity", "{}").first, 400u);

  const auto before_reset = capacity_stats(*sim);
  EXPECT_EQ(before_reset.at("runs_refused_capacity"), 1);
  EXPECT_GE(before_reset.at("requests_refused_rate").to_number<std::int64_t>(), 1);
  EXPECT_EQ(before_reset.at("peak_running"), before_reset.at("running"));
  sim->reset();
  const auto after_reset = capacity_stats(*sim);
  EXPECT_EQ(after_reset.at("runs_refused_capacity"), 0);
  EXPECT_EQ(after_reset.at("requests_refused_rate"), 0);
  EXPECT_EQ(after_reset.at("max_rps"), 1); // the limits stay
}

TEST_F(Sim, RunDurationsPerAgentAndEachRunsTerminalMomentAndPolls)
{
  auto sim = start({"--duration-lognormal", "aipose=400:0", "--duration-lognormal", "*=60000:0.5"});
  const auto [got, durations] = sim->admin("GET", "/admin/durations");
  ASSERT_EQ(got, 200u);
  EXPECT_EQ(durations.at("lognormal").at("aipose").at("median_ms"), 400);
  EXPECT_EQ(durations.at("lognormal").at("*").at("sigma"), 0.5);
  EXPECT_EQ(durations.at("fixed").at("running_ms"), 100);

  auto c = client(*sim);
  // Polls until the run is Success; the GETs it took.
  const auto poll_until_done = [&](const std::string& id) {
    int polls = 0;
    for (std::string status; status != "Success" && polls < 500; ++polls) {
      auto r = test::run_sync(io_, c.get_run(id));
      EXPECT_TRUE(r);
      status = r ? r->status : "";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return polls;
  };
  const auto drawn = start_run(c);
  const int polls = poll_until_done(drawn);
  // Afterwards the sim's own clock says when it became terminal, on the wall clock.
  auto runs = sim->admin("GET", "/admin/runs").second.at("runs").as_array();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].at("executionId"), json::value(drawn));
  EXPECT_EQ(runs[0].at("status"), "Success");
  EXPECT_TRUE(runs[0].at("taskName").is_null());
  EXPECT_EQ(runs[0].at("polls"), polls);
  EXPECT_EQ(runs[0].at("terminalAt").to_number<std::int64_t>() - runs[0].at("createdAt").to_number<std::int64_t>(), 400);

  // Cleared at run time: new runs take the fixed phases (50 + 50 + 100 ms); bad shapes are refused.
  EXPECT_EQ(sim->admin("POST", "/admin/durations", R"({"lognormal": {"aipose": {"median_ms": 0, "sigma": 1}}})").first,
            400u);
  EXPECT_EQ(sim->admin("POST", "/admin/durations", R"({"max_running": 1})").first, 400u);
  const auto [cleared, now] = sim->admin("POST", "/admin/durations", R"({"lognormal": {}})");
  EXPECT_EQ(cleared, 200u);
  EXPECT_TRUE(now.at("lognormal").as_object().empty());
  const auto fixed = start_run(c);
  poll_until_done(fixed);
  runs = sim->admin("GET", "/admin/runs").second.at("runs").as_array();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].at("executionId"), json::value(fixed));
  EXPECT_EQ(runs[1].at("terminalAt").to_number<std::int64_t>() - runs[1].at("createdAt").to_number<std::int64_t>(), 200);
  EXPECT_EQ(runs[0].at("polls"), polls); // the first run's count stays its own
}

TEST_F(Sim, AMalformedDurationSpecStopsTheSimWithItsReason)
{
  const auto r = test::shell_run(std::string(WESHOP_SIM_BINARY) + " --pki-dir " + dir_.file("pki") +
                                   " --duration-lognormal 'aipose=20000'",
                                 dir_.file("sim.err"));
  EXPECT_EQ(r.exit, 2);
  EXPECT_NE(r.err.find("--duration-lognormal"), std::string::npos) << r.err;
  const auto help = test::shell_run(std::string(WESHOP_SIM_BINARY) + " --help", dir_.file("help.err"));
  EXPECT_NE(help.out.find("--duration-lognormal"), std::string::npos);
}
