// Money against a real weshopd + weshop-sim: a thousand concurrent POSTs and
// a restart cannot overshoot a budget; the usage report matches what the sim
// produced; per-token budgets, the 429's shape, alerts at 80 % and 100 %,
// budget metrics, held jobs, and the duplicate breaker. (The window reset
// that releases held jobs needs a clock the test moves: tests/engine.)

#include "common/daemon_fixture.hpp"
#include "common/webhook_receiver.hpp"
#include "notify/signature.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

class Budget : public Daemon {
protected:
  std::string body(const std::string& task, int images = 1)
  {
    return job_body("aipose", R"({"textDescription":"sit","batchCount":)" + std::to_string(images) + "}",
                    "https://x.test/a.png", task);
  }

  json::value usage(const std::string& query = "")
  {
    return daemon_->call("GET", "/v1/usage" + query).body;
  }

  // Every job, whatever its state, once terminal.
  void wait_all_terminal()
  {
    const auto page = daemon_->call("GET", "/v1/jobs?limit=500");
    ASSERT_EQ(page.status, 200u) << page.text;
    for (const auto& j : page.body.at("jobs").as_array())
      daemon_->wait_terminal(std::string(j.at("id").as_string()), std::chrono::seconds(60));
  }
};

} // namespace

TEST_F(Budget, AThousandConcurrentPostsTakeExactlyTheBudgetAcrossARestart)
{
  const auto api = "127.0.0.1:" + std::to_string(test::free_port());
  daemon_env_ = {"WESHOPD_API_LISTEN=" + api, "WESHOPD_BUDGET_DAILY=100", "WESHOPD_LIMITS_MAX_BODY=65536"};
  start();
  const std::string base = "http://" + api;

  constexpr int threads = 250, per_thread = 4;
  std::atomic<int> answered{0};
  std::mutex mutex;
  std::set<std::string> admitted;    // distinct jobs (a retried key answers its job again)
  std::map<unsigned, int> statuses;  // final answer per request
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const auto n = std::to_string(t * per_thread + i);
        // The key makes a retry after the restart safe: the same job, or a fresh admission.
        for (int attempt = 0; attempt < 400; ++attempt) {
          try {
            const auto r = test::http_call(base, "POST", "/v1/jobs", body("loop-" + n),
                                           {{"Content-Type", "application/json"}, {"Idempotency-Key", "k-" + n}});
            if (r.status == 503) // stopping: try again
              throw std::runtime_error("503");
            std::lock_guard lock(mutex);
            ++statuses[r.status];
            if (r.status == 200 || r.status == 201)
              admitted.insert(std::string(r.body.at("id").as_string()));
            else
              EXPECT_EQ(r.body.at("error").at("code"), "budget_exceeded") << r.text;
            break;
          } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the daemon is restarting
          }
        }
        ++answered;
      }
    });
  // The restart, in the middle of the flood.
  while (answered < threads * per_thread / 3)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  daemon_->stop(SIGTERM);
  restart();
  for (auto& c : clients)
    c.join();

  EXPECT_EQ(admitted.size(), 100u);
  EXPECT_EQ(statuses[200] + statuses[201], 100) << "each request got its final answer once";
  EXPECT_EQ(statuses[429], threads * per_thread - 100);
  EXPECT_EQ(job_count(), 100u) << "nothing past the budget was even stored";

  wait_all_terminal();
  // What weshopd reports is what the sim made (and would bill).
  const auto report = usage();
  ASSERT_TRUE(report.is_object() && report.as_object().contains("total")) << json::serialize(report);
  for (int i = 0; i < 100 && sim_->stats().at("images_produced").as_int64() < 100; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto sim_images = sim_->stats().at("images_produced").as_int64();
  EXPECT_EQ(report.at("total").at("imagesProduced").as_int64(), sim_images) << json::serialize(report);
  EXPECT_EQ(sim_images, 100);
  EXPECT_EQ(report.at("total").at("jobs"), 100);
  EXPECT_EQ(report.at("total").at("spend").to_number<double>(), 100.0);
  EXPECT_EQ(report.at("currency"), "images");
  EXPECT_EQ(sim_->stats().at("runs_created"), 100);
}

TEST_F(Budget, RefusalsSayWhichBudgetAndWhenItResets)
{
  daemon_env_ = {"WESHOPD_BUDGET_DAILY=10", "WESHOPD_BUDGET_PER_AGENT=aipose=6", "WESHOPD_BUDGET_PRICES=removeBG=0.5"};
  start();
  EXPECT_EQ(post_job(body("a", 4)).status, 201u);
  const auto refused = post_job(body("b", 4));
  ASSERT_EQ(refused.status, 429u);
  const auto& error = refused.body.at("error");
  EXPECT_EQ(error.at("code"), "budget_exceeded");
  ASSERT_EQ(error.at("details").as_array().size(), 1u);
  EXPECT_EQ(error.at("details").at(0).at("field"), "/budget/agent:aipose");
  EXPECT_NE(std::string(error.at("details").at(0).at("message").as_string()).find("has 2 images left of 6"),
            std::string::npos) << refused.text;
  EXPECT_TRUE(error.at("resetAt").is_string());
  const auto retry_after = std::stol(refused.header("Retry-After"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 24 * 3600);

  // Another agent at half a unit per image: 12 images cost 6 of the 6 left globally.
  const auto model = job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ffffff","batchCount":12})");
  const auto cheap = post_job(model);
  ASSERT_EQ(cheap.status, 201u) << cheap.text;
  EXPECT_EQ(cheap.body.at("cost").at("images"), 12);
  EXPECT_EQ(cheap.body.at("cost").at("expected").to_number<double>(), 6.0);
  const auto more = post_job(job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#000000","batchCount":1})"));
  EXPECT_EQ(more.status, 429u);
  EXPECT_EQ(more.body.at("error").at("details").at(0).at("field"), "/budget/global");
  EXPECT_EQ(job_count(), 2u);

  // A job that produced its images costs what it produced.
  wait_all_terminal();
  const auto by_agent = usage("?group=agent");
  ASSERT_EQ(by_agent.at("rows").as_array().size(), 2u);
  EXPECT_EQ(by_agent.at("rows").at(0).at("agent"), "aipose");
  EXPECT_EQ(by_agent.at("rows").at(0).at("spend").to_number<double>(), 4.0);
  EXPECT_EQ(by_agent.at("rows").at(1).at("agent"), "removeBG");
  EXPECT_EQ(by_agent.at("rows").at(1).at("imagesProduced"), 12);
  EXPECT_EQ(by_agent.at("rows").at(1).at("spend").to_number<double>(), 6.0);
  EXPECT_EQ(usage("?from=2020-01-01&to=2020-01-02").at("rows").as_array().size(), 0u);
  const auto bad = daemon_->call("GET", "/v1/usage?from=yesterday&group=week");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(bad.body.at("error").at("details").as_array().size(), 2u);

  // /metrics: what is left.
  const auto metrics = daemon_->call("GET", "/metrics").text;
  EXPECT_NE(metrics.find("weshopd_budget_remaining{scope=\"global\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("weshopd_budget_remaining{scope=\"agent:aipose\"} 2\n"), std::string::npos);
  EXPECT_NE(metrics.find("weshopd_budget_limit{scope=\"agent:aipose\"} 6\n"), std::string::npos);
  EXPECT_NE(metrics.find("weshopd_spend_images_total{agent=\"removeBG\"} 12\n"), std::string::npos);
}

TEST_F(Budget, EachTokenHasItsOwnBudget)
{
  std::ofstream(dir_.file("tokens")) << "shop-a token-of-shop-a-0123456789\n# a comment\nshop-b token-of-shop-b-0123456789\n"
                                         "ops token-of-ops-0123456789 admin\n";
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("tokens"), "WESHOPD_BUDGET_PER_TOKEN=shop-a=3"};
  start();
  const auto as = [&](const std::string& token, const std::string& task) {
    return daemon_->call("POST", "/v1/jobs", body(task, 2),
                         {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
  };
  EXPECT_EQ(as("token-of-shop-a-0123456789", "a1").status, 201u);
  const auto refused = as("token-of-shop-a-0123456789", "a2");
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(refused.body.at("error").at("details").at(0).at("field"), "/budget/token:shop-a");
  EXPECT_EQ(as("token-of-shop-b-0123456789", "b1").status, 201u) << "shop-b has no limit";
  EXPECT_EQ(as("token-of-shop-b-0123456789", "b2").status, 201u);
  EXPECT_EQ(as("not-a-token-at-all-0123456789", "c").status, 401u);

  const auto own = daemon_->call("GET", "/v1/usage?group=token", "", {{"Authorization", "Bearer token-of-shop-b-0123456789"}}).body;
  ASSERT_EQ(own.at("rows").as_array().size(), 1u) << "a token sees its own usage: " << json::serialize(own);
  EXPECT_EQ(own.at("rows").at(0).at("token"), "shop-b");
  const auto report = daemon_->call("GET", "/v1/usage?group=token", "", {{"Authorization", "Bearer token-of-ops-0123456789"}}).body;
  ASSERT_EQ(report.at("rows").as_array().size(), 2u) << json::serialize(report);
  EXPECT_EQ(report.at("rows").at(0).at("token"), "shop-a");
  EXPECT_EQ(report.at("rows").at(0).at("jobs"), 1);
  EXPECT_EQ(report.at("rows").at(1).at("token"), "shop-b");
  EXPECT_EQ(report.at("rows").at(1).at("imagesRequested"), 4);
}

TEST_F(Budget, HeldJobsWaitQueuedAndSayWhy)
{
  daemon_env_ = {"WESHOPD_BUDGET_DAILY=4", "WESHOPD_BUDGET_POLICY=hold"};
  start();
  const auto first = post_job(body("first", 4));
  ASSERT_EQ(first.status, 201u);
  EXPECT_TRUE(first.body.at("reason").is_null());
  const auto held = post_job(body("second", 2));
  ASSERT_EQ(held.status, 201u) << "accepted, to run when the budget allows";
  EXPECT_EQ(held.body.at("state"), "queued");
  EXPECT_EQ(held.body.at("reason"), "budget_exhausted");
  EXPECT_TRUE(held.body.at("cost").at("budgetDay").is_null());
  const std::string id(held.body.at("id").as_string());
  daemon_->wait_terminal(std::string(first.body.at("id").as_string()));
  std::this_thread::sleep_for(std::chrono::seconds(1)); // a few held checks: no room today
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body.at("state"), "queued");
  EXPECT_EQ(sim_->stats().at("runs_created"), 1);

  // A restart keeps it held; a cancel ends it without cost.
  daemon_->stop(SIGTERM);
  restart();
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body.at("reason"), "budget_exhausted");
  EXPECT_EQ(daemon_->call("POST", "/v1/jobs/" + id + "/cancel").body.at("state"), "canceled");
  EXPECT_EQ(usage().at("total").at("spend").to_number<double>(), 4.0);
}

TEST_F(Budget, AlertsAt80And100PercentAreSentOnceAndSigned)
{
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  test::webhook_receiver receiver(*notify::signing_key(secret));
  std::ofstream(dir_.file("notify.secret")) << secret << "\n";
  daemon_env_ = {"WESHOPD_BUDGET_DAILY=10", "WESHOPD_BUDGET_ALERT_URL=" + receiver.url(),
                 "WESHOPD_NOTIFY_SECRET_FILE=" + dir_.file("notify.secret"),
                 "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"}; // the receiver is on loopback
  start();
  EXPECT_EQ(post_job(body("a", 7)).status, 201u);
  EXPECT_EQ(post_job(body("b", 1)).status, 201u); // 8 of 10
  EXPECT_EQ(post_job(body("c", 1)).status, 201u); // 9: no new threshold
  EXPECT_EQ(post_job(body("d", 1)).status, 201u); // 10
  EXPECT_EQ(post_job(body("e", 1)).status, 429u);
  ASSERT_TRUE(receiver.wait_distinct(2, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& w : got) {
    EXPECT_TRUE(w.signature_ok);
    EXPECT_EQ(w.body.at("type"), "budget.alert");
    EXPECT_EQ(w.body.at("scope"), "global");
    EXPECT_EQ(w.body.at("limit"), "10");
  }
  EXPECT_EQ(got[0].body.at("percent"), 80);
  EXPECT_EQ(got[0].body.at("used"), "8");
  EXPECT_EQ(got[1].body.at("percent"), 100);
  const auto log = test::read_file(dir_.file("daemon.log"));
  EXPECT_NE(log.find("event=budget_alert window="), std::string::npos);
}

TEST_F(Budget, ALoopOfIdenticalRequestsTripsTheBreaker)
{
  daemon_env_ = {"WESHOPD_BREAKER_IDENTICAL_REQUESTS=3", "WESHOPD_BREAKER_WINDOW_SECONDS=60"};
  start();
  const auto same = body("same");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post_job(same).status, 201u);
  const auto tripped = post_job(same);
  EXPECT_EQ(tripped.status, 429u);
  EXPECT_EQ(tripped.body.at("error").at("code"), "duplicate_suspected");
  EXPECT_EQ(tripped.header("Retry-After"), "60");
  EXPECT_EQ(job_count(), 3u);
  EXPECT_EQ(post_job(body("other")).status, 201u) << "another body is fine";
  // Same body with an Idempotency-Key: the client knows what it does.
  EXPECT_EQ(post_job(same, {{"Idempotency-Key", "one"}}).status, 201u);
  EXPECT_EQ(post_job(same, {{"Idempotency-Key", "one"}}).status, 200u);
}
