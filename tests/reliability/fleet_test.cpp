// Several weshopd hosts, one PostgreSQL queue: three real daemons and a real
// PostgreSQL server, weshop-sim behind them. Jobs arrive at all three; one
// daemon is SIGKILLed mid-run; its jobs are finished by the others once its
// lease runs out; no run is submitted twice; every acknowledged job exists
// and ends. Then PostgreSQL itself restarts under load.

#include "common/daemon_fixture.hpp"
#include "common/postgres_server.hpp"
#include "common/sse_client.hpp"
#include "store/postgres.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

class Fleet : public Daemon {
protected:
  test::postgres_server postgres_;
  std::vector<std::unique_ptr<test::daemon_process>> fleet_;

  void start_fleet(std::size_t daemons)
  {
    start({"--pending-ms", "300", "--segmenting-ms", "300", "--running-ms", "400"});
    daemon_.reset(); // the fixture's own SQLite daemon is not used here
    for (std::size_t i = 0; i < daemons; ++i) {
      const auto state = dir_.file("daemon" + std::to_string(i));
      std::filesystem::create_directories(state);
      fleet_.push_back(std::make_unique<test::daemon_process>(
        *sim_, pki_, state, images_,
        std::vector<std::string>{"WESHOPD_STORE_BACKEND=postgres", "WESHOPD_STORE_URL=" + postgres_.conninfo(),
                                 "WESHOPD_STORE_LEASE_SECONDS=3", "WESHOPD_ENGINE_POLL_CAP_MS=1000"}));
    }
  }

  std::string body(int n)
  {
    return job_body("aipose", R"({"textDescription":"x","batchCount":1})", "https://x.test/a.png", "f-" + std::to_string(n));
  }

  // Every acknowledged job, as any live daemon answers it, once all are terminal.
  void expect_all_finished(const std::set<std::string>& acknowledged, test::daemon_process& reader)
  {
    std::size_t unknown = 0;
    for (const auto& id : acknowledged) {
      const auto job = reader.wait_terminal(id, std::chrono::seconds(90));
      const auto state = job.at("state").as_string();
      ASSERT_TRUE(state == "succeeded" || state == "failed") << json::serialize(job);
      if (state == "failed") {
        EXPECT_EQ(job.at("error").at("code"), "submit_outcome_unknown") << json::serialize(job);
        ++unknown;
      }
    }
    const auto stats = sim_->stats(); // (a range-for over a temporary's member would dangle)
    for (const auto& kv : stats.at("runs_by_task").as_object())
      EXPECT_LE(kv.value().to_number<std::int64_t>(), 1) << kv.key() << " was submitted twice";
    std::cout << "[ fleet ] " << acknowledged.size() << " jobs, " << unknown << " ended submit_outcome_unknown\n";
  }
};

std::size_t count_in(const std::string& text, const std::string& what)
{
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_F(Fleet, ADaemonKilledMidRunLeavesItsJobsToTheOthers)
{
  start_fleet(3);
  std::set<std::string> acknowledged;
  const int total = 1000;
  for (int n = 0; n < total; ++n) {
    // Round robin over the live daemons; daemon 1 is killed a third of the way in.
    if (n == total / 3)
      fleet_[1]->stop(SIGKILL);
    auto& d = *fleet_[n % 3 == 1 && n >= total / 3 ? 0 : n % 3];
    const auto r = d.call("POST", "/v1/jobs", body(n));
    ASSERT_EQ(r.status, 201u) << r.text;
    acknowledged.insert(std::string(r.body.at("id").as_string()));
  }
  expect_all_finished(acknowledged, *fleet_[2]);
  // Every job is there, as every live daemon sees it.
  for (const auto i : {0, 2}) {
    std::size_t listed = 0;
    std::string cursor;
    for (;;) {
      const auto page = fleet_[i]->call("GET", "/v1/jobs?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor)).body;
      listed += page.at("jobs").as_array().size();
      if (page.at("next_cursor").is_null())
        break;
      cursor = page.at("next_cursor").as_string();
    }
    EXPECT_EQ(listed, acknowledged.size()) << "daemon " << i;
  }
  const auto taken = test::read_file(dir_.file("daemon0/daemon.log")) + test::read_file(dir_.file("daemon2/daemon.log"));
  EXPECT_GE(count_in(taken, "event=jobs_taken_over"), 1u) << "the killed daemon's jobs were taken over";
}

TEST_F(Fleet, PostgresRestartingMidRunLosesNothing)
{
  start_fleet(2);
  std::set<std::string> acknowledged;
  int n = 0;
  for (; n < 100; ++n) {
    const auto r = fleet_[n % 2]->call("POST", "/v1/jobs", body(n));
    ASSERT_EQ(r.status, 201u) << r.text;
    acknowledged.insert(std::string(r.body.at("id").as_string()));
  }
  postgres_.stop("immediate");
  // While it is down: refused with 503, never a 201 that is not stored.
  const auto refused = fleet_[0]->call("POST", "/v1/jobs", body(n++));
  EXPECT_EQ(refused.status, 503u) << refused.text;
  EXPECT_EQ(refused.body.at("error").at("code"), "storage_unavailable");
  postgres_.start();
  // Back: both daemons take jobs again (reconnecting), and every job ends.
  for (int i = 0; i < 50; ++n, ++i) {
    test::api_reply r;
    for (int attempt = 0; attempt < 50; ++attempt) {
      r = fleet_[n % 2]->call("POST", "/v1/jobs", body(n));
      if (r.status != 503)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(r.status, 201u) << r.text;
    acknowledged.insert(std::string(r.body.at("id").as_string()));
  }
  expect_all_finished(acknowledged, *fleet_[1]);
}

TEST_F(Fleet, EventsWrittenByOneDaemonReachStreamsOnAnother)
{
  start_fleet(2);
  test::sse_client all(fleet_[0]->api(), "/v1/events");
  ASSERT_EQ(all.status(), 200u);
  const auto r = fleet_[1]->call("POST", "/v1/jobs", body(1));
  ASSERT_EQ(r.status, 201u);
  const std::string id(r.body.at("id").as_string());
  std::vector<std::string> states;
  while (auto e = all.next(std::chrono::seconds(20))) {
    const auto job = json::parse(e->data);
    if (job.at("id").as_string() != id)
      continue;
    states.push_back(e->event);
    if (e->event == "succeeded")
      break;
  }
  ASSERT_FALSE(states.empty()) << "daemon 0 heard nothing of daemon 1's job";
  EXPECT_EQ(states.back(), "succeeded");
  // And daemon 0 answers for it, as it is now.
  EXPECT_EQ(fleet_[0]->call("GET", "/v1/jobs/" + id).body.at("state"), "succeeded");
}

TEST_F(Fleet, AReadWaitingOnTheDatabaseDoesNotHoldUpTheDaemon)
{
  start_fleet(1);
  const auto r = fleet_[0]->call("POST", "/v1/jobs", body(1));
  ASSERT_EQ(r.status, 201u);
  const std::string id(r.body.at("id").as_string());
  ASSERT_EQ(fleet_[0]->wait_terminal(id).at("state"), "succeeded");

  // Another session locks the jobs table: a read of a job now waits in PostgreSQL.
  store::pg_connection locker(postgres_.conninfo(), "");
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE");
  unsigned waited_status = 0;
  std::thread waiting([&] { waited_status = fleet_[0]->call("GET", "/v1/jobs/" + id).status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Meanwhile the daemon's event loop serves everyone else.
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(fleet_[0]->call("GET", "/healthz").status, 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(1)) << "the read held up the event loop";
  EXPECT_EQ(waited_status, 0u) << "the read should still be waiting on the lock";
  locker.exec("COMMIT");
  waiting.join();
  EXPECT_EQ(waited_status, 200u);
}
