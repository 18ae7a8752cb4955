// Scheduling toward WeShop (#23) with a real weshopd and a capacity-limited
// weshop-sim: upstream.max_running_runs is never exceeded (the sim's own
// count), a storm of refusals makes one pause of every submit, not one per
// job, and a second token's job is served within a round of another token's
// batch. Counts and orders only; no timing is asserted.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

const std::string alice = "alice-token-0123456789";
const std::string bob = "bob-token-0123456789abc";

class Scheduler : public test::Daemon {
protected:
  // `count` distinct items of one aipose batch (distinct inputs: duplicates are refused).
  static std::string batch_body(int count, const std::string& tag)
  {
    json::array items;
    for (int i = 0; i < count; ++i)
      items.push_back(json::object{{"input", json::object{{"originalImage", "https://x.test/" + tag + std::to_string(i) + ".png"}}}});
    return json::serialize(json::object{{"agent", json::object{{"name", "aipose"}, {"version", "v1.0"}}},
                                        {"params", json::object{{"textDescription", "sit"}, {"batchCount", 1}}},
                                        {"items", std::move(items)}});
  }

  test::api_reply post_batch(const std::string& body, headers extra = {})
  {
    extra.emplace_back("Content-Type", "application/json");
    return daemon_->call("POST", "/v1/batches", body, extra);
  }

  // Waits (up to 60 s) until `done` holds; whether it did.
  template <class Done>
  static bool wait_for(Done done)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  std::int64_t finished(const headers& auth = {})
  {
    const auto jobs = daemon_->call("GET", "/v1/status", "", auth).body.at("jobs");
    return jobs.at("succeeded").as_int64() + jobs.at("failed").as_int64() + jobs.at("canceled").as_int64();
  }

  json::value capacity() { return sim_->stats().at("capacity"); }

  std::string post_task(const std::string& task, const std::string& priority = "")
  {
    auto body = json::parse(job_body("aipose", R"({"textDescription":"sit","batchCount":1})", "https://x.test/a.png", task));
    if (!priority.empty())
      body.as_object()["priority"] = priority;
    const auto r = post_job(json::serialize(body));
    EXPECT_EQ(r.status, 201u) << r.text;
    return r.status == 201u ? std::string(r.body.at("id").as_string()) : std::string();
  }
};

TEST_F(Scheduler, MaxRunningRunsIsNeverExceeded)
{
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=2"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "200"});
  ASSERT_EQ(post_batch(batch_body(8, "cap")).status, 201u);
  ASSERT_TRUE(wait_for([&] { return finished() == 8; }));
  const auto jobs = daemon_->call("GET", "/v1/status").body.at("jobs");
  EXPECT_EQ(jobs.at("succeeded"), 8);
  EXPECT_LE(capacity().at("peak_running").to_number<std::int64_t>(), 2);
  EXPECT_EQ(capacity().at("runs_refused_capacity"), 0); // the bound was kept, not learnt from refusals
  const auto sched = daemon_->call("GET", "/v1/status").body.at("scheduler");
  EXPECT_LE(sched.at("window").as_int64(), 2);
}

// A submit under way with a callback armed is one job in flight, not two
// (its drive, and the poller's entry that waits for its run id): with four
// POSTs held by the sim, inFlight is 4 under a window of 4. Counted twice,
// a window allowed half the runs it said, and a refusal's cut began from a
// count above what was really out.
TEST_F(Scheduler, ASubmitUnderWayCountsOnceInFlight)
{
  const auto listen = "127.0.0.1:" + std::to_string(test::free_port());
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=4", "WESHOPD_CALLBACKS_LISTEN=" + listen,
                 "WESHOPD_CALLBACKS_PUBLIC_BASE_URL=http://" + listen};
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"latency","ms":5000,"count":4}])");
  ASSERT_EQ(post_batch(batch_body(6, "once")).status, 201u);
  ASSERT_TRUE(wait_for([&] { // all four POSTs are held by the sim
    const auto faults = sim_->admin("GET", "/admin/faults").second.at("faults").as_array();
    return faults.empty() || faults.at(0).at("count") == 0;
  }));
  const auto sched = daemon_->call("GET", "/v1/status").body.at("scheduler");
  EXPECT_EQ(sched.at("inFlight"), 4) << sched;
  EXPECT_EQ(sched.at("window"), 4) << sched;
  ASSERT_TRUE(wait_for([&] { return finished() == 6; }));
  EXPECT_EQ(daemon_->call("GET", "/v1/status").body.at("jobs").at("succeeded"), 6);
  EXPECT_LE(capacity().at("peak_running").to_number<std::int64_t>(), 4);
}

// A tight request budget (20/s, a quarter kept for submits) and 100 runs:
// submits take most tokens at first, so more polls fall due than there are
// poll slots. They drain as the budget refills: none waits for a wake that
// never comes.
TEST_F(Scheduler, ABacklogOfPollsDrainsUnderATightBudget)
{
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_REQUESTS_PER_SECOND=20"};
  start({"--pending-ms", "100", "--segmenting-ms", "100", "--running-ms", "100"});
  ASSERT_EQ(post_batch(batch_body(100, "tight")).status, 201u);
  ASSERT_TRUE(wait_for([&] { return finished() == 100; })) << daemon_->call("GET", "/v1/status").text;
  EXPECT_EQ(daemon_->call("GET", "/v1/status").body.at("jobs").at("succeeded"), 100);
}

// With no configured rate there is no limit (the guide documents none) until
// WeShop answers a poll with 429; a refused submit is the window's signal, not
// the rate's. Every job still gets through.
TEST_F(Scheduler, ARequestRateIsLearntOnlyFromARefusedPoll)
{
  start();
  const auto rate = [&] { return daemon_->call("GET", "/v1/status").body.at("scheduler").at("requestsPerSecond"); };
  const auto served_every_fault = [&] {
    const auto faults = sim_->admin("GET", "/admin/faults").second.at("faults").as_array();
    return std::all_of(faults.begin(), faults.end(), [](const auto& f) { return f.at("count") == 0; });
  };
  EXPECT_TRUE(rate().is_null());
  sim_->set_faults(R"([{"endpoint":"runs","kind":"status","status":429,"retry_after":1,"count":1}])");
  ASSERT_EQ(post_batch(batch_body(3, "submit429")).status, 201u);
  ASSERT_TRUE(wait_for([&] { return finished() == 3; }));
  EXPECT_TRUE(rate().is_null()) << rate();
  EXPECT_TRUE(served_every_fault());
  sim_->set_faults(R"([{"endpoint":"run","kind":"status","status":429,"retry_after":1,"count":1}])");
  ASSERT_EQ(post_batch(batch_body(3, "poll429")).status, 201u);
  ASSERT_TRUE(wait_for([&] { return finished() == 6; }));
  EXPECT_TRUE(rate().is_number()) << rate();
  EXPECT_EQ(daemon_->call("GET", "/v1/status").body.at("jobs").at("succeeded"), 6);
  EXPECT_TRUE(served_every_fault());
}

// Four submits leave at once (the window starts at 4) toward an account with
// room for one: the three refusals make one pause, until the run ends.
TEST_F(Scheduler, ARefusalStormIsOnePause)
{
  start({"--max-running", "1", "--pending-ms", "500", "--segmenting-ms", "500", "--running-ms", "1500"});
  ASSERT_EQ(post_batch(batch_body(4, "storm")).status, 201u);
  ASSERT_TRUE(wait_for([&] { return capacity().at("runs_refused_capacity").to_number<std::int64_t>() >= 3; }));
  // The sim counts a refusal when it answers; the daemon has taken in all
  // three once only the accepted run is left in flight.
  json::value sched;
  ASSERT_TRUE(wait_for([&] {
    sched = daemon_->call("GET", "/v1/status").body.at("scheduler");
    return sched.at("inFlight").to_number<std::int64_t>() <= 1;
  })) << sched;
  EXPECT_EQ(sched.at("pauses"), 1) << sched;
  EXPECT_FALSE(sched.at("pausedUntil").is_null()) << sched; // Retry-After: until the one run ends
  const auto metrics = daemon_->call("GET", "/metrics").text;
  EXPECT_NE(metrics.find("weshopd_scheduler_pauses_total 1"), std::string::npos);
  // Every job still gets through, one run at a time.
  ASSERT_TRUE(wait_for([&] { return finished() == 4; }));
  EXPECT_EQ(daemon_->call("GET", "/v1/status").body.at("jobs").at("succeeded"), 4);
  EXPECT_EQ(capacity().at("peak_running"), 1);
}

// One run at a time: alice's 6-item batch, then bob's one job. Round-robin
// across tokens serves bob within a round, not after alice's whole batch.
TEST_F(Scheduler, TwoTokensInterleave)
{
  std::ofstream(dir_.file("tokens")) << "alice " << alice << "\nbob " << bob << "\n";
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("tokens"), "WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=1"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "300"});
  const headers as_alice{{"Authorization", "Bearer " + alice}};
  const headers as_bob{{"Authorization", "Bearer " + bob}};
  ASSERT_EQ(post_batch(batch_body(6, "alice"), as_alice).status, 201u);
  headers bob_post = as_bob;
  bob_post.emplace_back("Content-Type", "application/json");
  const auto posted = daemon_->call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"sit","batchCount":1})"), bob_post);
  ASSERT_EQ(posted.status, 201u) << posted.text;
  const std::string id(posted.body.at("id").as_string());
  ASSERT_TRUE(wait_for([&] { return daemon_->call("GET", "/v1/jobs/" + id, "", as_bob).body.at("state") == "succeeded"; }));
  // Counts are the daemon's for everyone: bob's one plus alice's finished so far.
  const auto alice_done = finished(as_alice) - 1;
  EXPECT_LE(alice_done, 2) << "bob's job waited behind alice's batch";
  ASSERT_TRUE(wait_for([&] { return finished(as_alice) == 7; }));
}

// One run at a time: a high-priority job posted after three normal ones goes
// right after the one already running; `priority` is shown; a bad one is 422.
TEST_F(Scheduler, AHighPriorityJobOvertakesNormalOnes)
{
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=1"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "300"});
  for (const auto* task : {"n1", "n2", "n3"})
    post_task(task);
  const auto high = post_task("hi", "high");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + high).body.at("priority"), "high");
  const auto bad = post_job(R"({"agent":{"name":"aipose"},"input":{"originalImage":"https://x.test/a.png"},)"
                            R"("params":{"textDescription":"x"},"priority":"urgent"})");
  ASSERT_EQ(bad.status, 422u);
  EXPECT_NE(bad.text.find("/priority"), std::string::npos) << bad.text;
  ASSERT_TRUE(wait_for([&] { return finished() == 4; }));
  EXPECT_EQ(sim_->accepted_tasks({"n1", "n2", "n3", "hi"}), (std::vector<std::string>{"n1", "hi", "n2", "n3"}));
}

// Priorities are stored: after a restart the waiting jobs are served in the
// same order (high first, then by id), the running one followed to its end.
TEST_F(Scheduler, ARestartKeepsPrioritiesAndOrder)
{
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=1"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "1500"});
  for (const auto* task : {"n1", "n2", "n3"})
    post_task(task);
  post_task("lo", "low");
  post_task("hi", "high");
  daemon_->stop(SIGTERM); // finishes what is in flight; the rest waits in the database
  restart();
  ASSERT_TRUE(wait_for([&] { return finished() == 5; }));
  EXPECT_EQ(daemon_->call("GET", "/v1/status").body.at("jobs").at("succeeded"), 5);
  EXPECT_EQ(sim_->accepted_tasks({"n1", "n2", "n3", "lo", "hi"}), (std::vector<std::string>{"n1", "hi", "n2", "n3", "lo"}));
}

} // namespace
