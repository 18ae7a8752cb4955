// Crash and fault chaos: jobs submitted concurrently while weshopd is
// SIGKILLed at random moments and restarted, with 20 % mixed upstream faults
// (latency, 5xx, 429, resets before and after the request was read, unknown
// states). Afterwards every acknowledged job exists and is terminal, and no
// job started more than one run. Short: 200 jobs, 3 kills; with
// WESHOPD_LONG_TESTS=1: 2,000 jobs, 10 kills (figures in RESULTS.md).

#include "common/daemon_fixture.hpp"

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

bool long_run()
{
  const char* v = std::getenv("WESHOPD_LONG_TESTS");
  return v && std::string(v) == "1";
}

class Chaos : public test::Daemon {};

TEST_F(Chaos, KillsAndFaultsLoseNoJobAndStartNoRunTwice)
{
  const int jobs = long_run() ? 2000 : 200;
  const int kills = long_run() ? 10 : 3;
  const auto api_port = test::free_port();
  daemon_env_ = {"WESHOPD_API_LISTEN=127.0.0.1:" + std::to_string(api_port), "WESHOPD_ENGINE_POLL_INITIAL_MS=200",
                 "WESHOPD_ENGINE_POLL_CAP_MS=1000"};
  const std::string faults = R"([
    {"endpoint": "*", "kind": "latency", "ms": 300, "rate": 0.05},
    {"endpoint": "*", "kind": "status", "status": 503, "rate": 0.04},
    {"endpoint": "*", "kind": "status", "status": 429, "retry_after": 1, "rate": 0.04},
    {"endpoint": "*", "kind": "reset_before_read", "rate": 0.02},
    {"endpoint": "*", "kind": "reset_after_read", "rate": 0.02},
    {"endpoint": "run", "kind": "unknown_status", "rate": 0.03}])";
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "100", "--seed", "7", "--faults", faults});
  const auto api = daemon_->api();

  // Submitters: each job has its own Idempotency-Key and taskName, and is
  // resent until acknowledged (201, or 200 for a repeat), as a client would.
  std::mutex mutex;
  std::map<int, std::string> acknowledged; // job number -> id
  std::atomic<int> next{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t)
    submitters.emplace_back([&] {
      for (int i = next++; i < jobs; i = next++) {
        const auto body = job_body("aipose", R"({"textDescription":"sit","batchCount":1})", "https://x.test/a.png",
                                   "chaos-" + std::to_string(i));
        for (;;) {
          try {
            const auto r = test::http_call(api, "POST", "/v1/jobs", body,
                                           {{"Content-Type", "application/json"}, {"Idempotency-Key", "chaos-" + std::to_string(i)}});
            if (r.status == 201 || r.status == 200) {
              std::lock_guard lock(mutex);
              acknowledged[i] = std::string(r.body.at("id").as_string());
              break;
            }
          } catch (const std::exception&) {
            // down (being killed): try again
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    });

  std::mt19937 rng(42);
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1500)(rng)));
    daemon_->stop(SIGKILL);
    restart();
  }
  for (auto& t : submitters)
    t.join();
  ASSERT_EQ(acknowledged.size(), static_cast<std::size_t>(jobs));

  // Every acknowledged job exists and ends.
  std::map<std::string, int> outcomes;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(long_run() ? 20 : 5);
  for (const auto& [i, id] : acknowledged) {
    json::value job;
    do {
      job = daemon_->call("GET", "/v1/jobs/" + id + "?wait=10").body;
      ASSERT_TRUE(job.is_object()) << id;
      ASSERT_TRUE(job.as_object().contains("state")) << id << " " << job;
    } while (job.at("state") != "succeeded" && job.at("state") != "failed" && job.at("state") != "canceled" &&
             std::chrono::steady_clock::now() < deadline);
    const std::string state(job.at("state").as_string());
    ++outcomes[state == "failed" ? "failed/" + std::string(job.at("error").at("code").as_string()) : state];
  }
  EXPECT_EQ(job_count(), static_cast<std::size_t>(jobs)) << "idempotency keys made each job once";

  // At most one run per job (the sim counts runs per taskName).
  const auto stats = sim_->stats();
  int most = 0;
  for (const auto& kv : stats.at("runs_by_task").as_object())
    most = std::max(most, static_cast<int>(kv.value().to_number<std::int64_t>()));
  EXPECT_LE(most, 1);
  EXPECT_EQ(stats.at("key_leaks"), 0);

  std::cout << "[ figures  ] " << jobs << " jobs, " << kills << " kills; outcomes:";
  for (const auto& [outcome, n] : outcomes)
    std::cout << " " << outcome << "=" << n;
  std::cout << "; runs created " << stats.at("runs_created") << "\n";
  int terminal = 0;
  for (const auto& [outcome, n] : outcomes)
    terminal += n;
  EXPECT_EQ(terminal, jobs);
  EXPECT_EQ(outcomes.count("queued") + outcomes.count("uploading") + outcomes.count("submitting") +
              outcomes.count("running"),
            0u)
    << "no job is left behind";
}

} // namespace
