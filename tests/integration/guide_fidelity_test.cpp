// Fidelity to the WeShop guide, end to end against weshop-sim, whose rules are
// its own (tests/sim/sim_rules.cpp, written from the guide, sharing no code
// with weshopd's catalog): what reaches WeShop is canonical, warnings travel
// with the job, preset ids are checked against agent info, and a run's items
// are shown as they come and billed by their own status.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

using test::Daemon;

namespace {

// The run request body weshop-sim received for an execution id, as text.
std::string received_body(test::sim_process& sim, const std::string& execution_id)
{
  const auto [status, received] = sim.admin("GET", "/admin/received");
  EXPECT_EQ(status, 200u);
  for (const auto& r : received.as_array())
    if (r.at("executionId") == execution_id.c_str())
      return std::string(r.at("body").as_string());
  ADD_FAILURE() << "weshop-sim received no run " << execution_id << ": " << json::serialize(received);
  return {};
}

std::string execution_of(const json::value& job)
{
  return std::string(job.at("upstream").at("executionId").as_string());
}

} // namespace

TEST_F(Daemon, WhatReachesWeShopIsCanonical)
{
  start();
  const auto r = post_job(job_body("aimodel",
                                   R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","textDescription":"street",)"
                                   R"("negTextDescription":null,"fashionModelId":"","batchCount":2.0,"locationId":2e0})",
                                   "https://x.test/a.png", ""));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  EXPECT_EQ(r.body.at("cost").at("images"), 2) << "the budget prices the canonical batchCount";
  EXPECT_EQ(json::serialize(r.body.at("params")),
            R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","textDescription":"street",)"
            R"("batchCount":2,"locationId":2})");
  const auto job = daemon_->wait_terminal(std::string(r.body.at("id").as_string()));
  ASSERT_EQ(job.at("state"), "succeeded") << json::serialize(job);

  const auto body = received_body(*sim_, execution_of(job));
  EXPECT_NE(body.find(R"("batchCount":2,)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("locationId":2})"), std::string::npos) << body;
  EXPECT_EQ(body.find("negTextDescription"), std::string::npos) << "a null never reaches WeShop: " << body;
  EXPECT_EQ(body.find("fashionModelId"), std::string::npos) << "an empty optional string never reaches WeShop: " << body;
  EXPECT_EQ(body.find("null"), std::string::npos) << body;
  EXPECT_EQ(job.at("results").as_array().size(), 2u);
}

TEST_F(Daemon, AFractionIsRefusedAndNothingIsStored)
{
  start();
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":2.5})"));
  ASSERT_EQ(r.status, 422u) << json::serialize(r.body);
  EXPECT_EQ(r.body.at("error").at("details").at(0).at("field"), "/params/batchCount");
  EXPECT_EQ(job_count(), 0u);
}

TEST_F(Daemon, WarningsTravelWithTheJobAndTheValueGoesAsGiven)
{
  start();
  const auto r = post_job(job_body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment",)"
                                              R"("locationId":1,"customMaskUrl":"https://x.test/m.png","batchCount":1})"));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  const auto& warnings = r.body.at("warnings").as_array();
  ASSERT_EQ(warnings.size(), 1u) << json::serialize(r.body);
  EXPECT_EQ(warnings[0].at("pointer"), "/params/customMaskUrl");
  EXPECT_NE(std::string(warnings[0].at("message").as_string()).find("maskType is custom"), std::string::npos);

  const auto id = std::string(r.body.at("id").as_string());
  const auto job = daemon_->wait_terminal(id);
  ASSERT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  EXPECT_EQ(job.at("warnings"), r.body.at("warnings")) << "the job keeps its warnings";
  EXPECT_NE(received_body(*sim_, execution_of(job)).find("customMaskUrl"), std::string::npos)
    << "a value the guide does not forbid goes as given";

  // Both masks with maskType=custom: the guide asks for one, forbids neither.
  const auto both = post_job(job_body("removeBG", R"({"maskType":"custom","backgroundHex":"#ffffff","batchCount":1,)"
                                                  R"("customMask":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg",)"
                                                  R"("customMaskUrl":"https://x.test/m.png"})"));
  ASSERT_EQ(both.status, 201u) << json::serialize(both.body);
  EXPECT_EQ(both.body.at("warnings").at(0).at("pointer"), "/params/customMaskUrl");
  EXPECT_EQ(daemon_->wait_terminal(std::string(both.body.at("id").as_string())).at("state"), "succeeded");
}

TEST_F(Daemon, PresetIdsAreCheckedAgainstAgentInfoUnlessWeShopCannotBeAsked)
{
  start();
  // WeShop away: the check cannot run, so it does not block; the job says so.
  sim_->set_outage(true);
  const auto unchecked = post_job(job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":9,"batchCount":1})"));
  ASSERT_EQ(unchecked.status, 201u) << json::serialize(unchecked.body);
  ASSERT_EQ(unchecked.body.at("warnings").as_array().size(), 1u) << json::serialize(unchecked.body);
  EXPECT_EQ(unchecked.body.at("warnings").at(0).at("pointer"), "/params/backgroundId");
  EXPECT_NE(std::string(unchecked.body.at("warnings").at(0).at("message").as_string()).find("not checked"), std::string::npos);
  sim_->set_outage(false);
  // ... and WeShop itself refuses the id, so the job fails upstream, as it would have.
  const auto failed = daemon_->wait_terminal(std::string(unchecked.body.at("id").as_string()), std::chrono::seconds(60));
  EXPECT_EQ(failed.at("state"), "failed") << json::serialize(failed);

  // WeShop up: an id agent info does not list is refused here, before any run.
  const auto runs_before = sim_->stats().at("runs_created").as_int64();
  const auto refused = post_job(job_body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","locationId":6})"));
  ASSERT_EQ(refused.status, 422u) << json::serialize(refused.body);
  EXPECT_EQ(refused.body.at("error").at("code"), "validation_failed");
  EXPECT_EQ(refused.body.at("error").at("details").at(0).at("field"), "/params/locationId");
  EXPECT_NE(std::string(refused.body.at("error").at("details").at(0).at("message").as_string()).find("5 locations"),
            std::string::npos) << json::serialize(refused.body);
  EXPECT_EQ(job_count(), 1u) << "the refused request stored nothing";

  const auto offered = post_job(job_body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","locationId":5,"batchCount":1})"));
  ASSERT_EQ(offered.status, 201u) << json::serialize(offered.body);
  EXPECT_TRUE(offered.body.at("warnings").as_array().empty());
  EXPECT_EQ(daemon_->wait_terminal(std::string(offered.body.at("id").as_string())).at("state"), "succeeded");
  EXPECT_EQ(sim_->stats().at("runs_created").as_int64(), runs_before + 1);
}

TEST_F(Daemon, ARunThatMakesThreeOfFourBillsThree)
{
  start();
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":4})", "https://x.test/a.png", "sim:short=3"));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  EXPECT_EQ(r.body.at("cost").at("images"), 4);
  const auto job = daemon_->wait_terminal(std::string(r.body.at("id").as_string()));
  ASSERT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  const auto& results = job.at("results").as_array();
  ASSERT_EQ(results.size(), 4u) << json::serialize(job);
  int good = 0;
  for (const auto& item : results)
    good += item.at("status") == "Success";
  EXPECT_EQ(good, 3) << json::serialize(results);
  EXPECT_EQ(job.at("cost").at("imagesProduced"), 3);
  EXPECT_EQ(sim_->stats().at("images_produced"), 3) << "what WeShop bills is what weshopd counts";
}

TEST_F(Daemon, ResultsAppearWhileTheRunRuns)
{
  daemon_env_ = {"WESHOPD_ENGINE_POLL_INITIAL_MS=200", "WESHOPD_ENGINE_POLL_CAP_MS=250"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "4000"});
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":4})", "https://x.test/a.png", "sim:partial"));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  const auto id = std::string(r.body.at("id").as_string());
  std::set<std::size_t> seen_running; // result counts seen while the job was running
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  json::value job;
  while (std::chrono::steady_clock::now() < until) {
    job = daemon_->call("GET", "/v1/jobs/" + id).body;
    if (job.at("state") == "succeeded" || job.at("state") == "failed")
      break;
    seen_running.insert(job.at("results").as_array().size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  // Items arrive every 0.8 s of a 4 s run and weshopd polls every 0.25 s: the
  // job shows some of them, not yet all, while it runs.
  EXPECT_TRUE(seen_running.contains(1) || seen_running.contains(2) || seen_running.contains(3))
    << "a Running run's Success items are shown before the end";
  EXPECT_EQ(job.at("results").as_array().size(), 4u);
  EXPECT_EQ(job.at("cost").at("imagesProduced"), 4);
}
