// Retention end to end with a real weshopd + weshop-sim: a job runs to its
// end, its database is aged past jobs.retention_days (the store's clock moved
// 100 days on, the purge the sweep runs), and the restarted daemon answers
// 404 job_expired for it on every route, 404 not_found for an id it never
// had, still counts it in /metrics, and runs its sweep at start.

#include "common/daemon_fixture.hpp"

#include "store/job_store.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using test::Daemon;

namespace {

class Retention : public Daemon {};

TEST_F(Retention, APurgedJobIsExpiredAnUnknownOneNotFound)
{
  start();
  const auto posted = post_job(job_body("aipose", R"({"textDescription":"sit down"})"));
  ASSERT_EQ(posted.status, 201u) << posted.text;
  const std::string id(posted.body.at("id").as_string());
  const auto done = daemon_->wait_terminal(id);
  ASSERT_EQ(done.at("state"), "succeeded") << done;
  const auto counted = daemon_->call("GET", "/metrics").text;
  ASSERT_EQ(daemon_->stop(), 0);
  {
    store::job_store_options o;
    o.path = dir_.file("weshopd.db");
    o.clock = [] { return now_ms() + std::chrono::days(100); };
    auto s = store::job_store::open(o);
    ASSERT_TRUE(s) << s.error().message();
    const auto purged = (*s)->purge_expired(now_ms() + std::chrono::days(10), 500);
    ASSERT_TRUE(purged) << purged.error().message();
    EXPECT_EQ(purged->ids, std::vector<std::string>{id});
  }
  restart();
  for (const auto& path : {"/v1/jobs/" + id, "/v1/jobs/" + id + "/events", "/v1/jobs/" + id + "/results/0"}) {
    const auto gone = daemon_->call("GET", path);
    EXPECT_EQ(gone.status, 404u) << path;
    EXPECT_EQ(gone.body.at("error").at("code"), "job_expired") << path << " " << gone.text;
  }
  for (const auto& action : {"/cancel", "/retry"}) {
    const auto gone = daemon_->call("POST", "/v1/jobs/" + id + action);
    EXPECT_EQ(gone.status, 404u) << action;
    EXPECT_EQ(gone.body.at("error").at("code"), "job_expired") << action << " " << gone.text;
  }
  const auto unknown = daemon_->call("GET", "/v1/jobs/01900000-0000-7000-8000-000000000000");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body.at("error").at("code"), "not_found") << unknown.text;
  const auto metrics = daemon_->call("GET", "/metrics").text;
  const std::string succeeded_line = "weshopd_jobs{agent=\"aipose\",state=\"succeeded\"} 1";
  ASSERT_NE(counted.find(succeeded_line), std::string::npos) << counted;
  EXPECT_NE(metrics.find(succeeded_line), std::string::npos) << "a purged job stays counted\n" << metrics;
  EXPECT_NE(metrics.find("weshopd_retention_purged_jobs_total"), std::string::npos) << metrics;
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("event=retention_sweep"), std::string::npos)
    << "the sweep runs at start";
}

} // namespace
