// Result mirroring with a real weshopd + weshop-sim: succeeded jobs' images
// copied (no key, image bytes only), served by the local API with an ETag,
// fetched by weshopctl from weshopd, and let go by the retention sweep.

#include "common/daemon_fixture.hpp"

#include "common/sha256.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

class Mirror : public Daemon {
protected:
  // The sim's image host is on loopback, which outbound.allow must name.
  const std::string sim_allowed_ = "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32";

  // The job once its mirroring has ended one way or the other (a localUrl on
  // every result, or a failure logged), within the deadline.
  json::value job_after_mirroring(const std::string& id, std::size_t results)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto job = daemon_->call("GET", "/v1/jobs/" + id).body;
      std::size_t copied = 0;
      for (const auto& r : job.at("results").as_array())
        copied += r.as_object().contains("localUrl");
      const bool failed = test::read_file(dir_.file("daemon.log")).find("event=mirror_failed job=" + id) != std::string::npos;
      if (copied == results || failed || std::chrono::steady_clock::now() > deadline)
        return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string succeeded_job(const std::string& task = "t")
  {
    const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":2})", "https://x.test/a.png", task));
    EXPECT_EQ(r.status, 201u);
    const std::string id(r.body.at("id").as_string());
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
    return id;
  }
};

} // namespace

TEST_F(Mirror, ResultsAreCopiedAndServedLocally)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", sim_allowed_};
  start();
  const auto id = succeeded_job();
  const auto job = job_after_mirroring(id, 2);
  const auto& results = job.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  for (std::size_t n = 0; n < 2; ++n) {
    const auto& r = results[n].as_object();
    ASSERT_TRUE(r.contains("localUrl")) << json::serialize(job);
    EXPECT_EQ(r.at("localUrl"), json::value("/v1/jobs/" + id + "/results/" + std::to_string(n)));
    EXPECT_TRUE(r.at("image").as_string().starts_with("https://")) << "WeShop's URL stays beside the copy";
    const auto copy = daemon_->call("GET", std::string(r.at("localUrl").as_string()));
    ASSERT_EQ(copy.status, 200u);
    EXPECT_EQ(copy.header("Content-Type"), "image/png");
    EXPECT_TRUE(copy.text.starts_with("\x89PNG"));
    EXPECT_EQ(r.at("sha256"), json::value(sha256_hex(copy.text)));
    EXPECT_EQ(r.at("bytes"), static_cast<std::int64_t>(copy.text.size()));
    EXPECT_EQ(copy.header("ETag"), "\"" + sha256_hex(copy.text) + "\"");
    const auto again = daemon_->call("GET", std::string(r.at("localUrl").as_string()), "",
                                     {{"If-None-Match", copy.header("ETag")}});
    EXPECT_EQ(again.status, 304u);
    EXPECT_EQ(test::read_file(dir_.file("results/" + id + "/" + std::to_string(n) + ".png")), copy.text);
  }
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id + "/results/2").status, 404u);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id + "/results/x").status, 404u);
  EXPECT_EQ(sim_->stats().at("key_leaks"), 0) << "the image host never sees the key";

  // weshopctl takes the copies from weshopd: no CA for the image host needed.
  const auto out = dir_.file("out");
  const auto command = "WESHOPD_API=" + daemon_->api() + " " + WESHOPCTL_BINARY + " download " + id + " --dir " + out;
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(test::read_file(out + "/" + id + "-1.png"), test::read_file(dir_.file("results/" + id + "/1.png")));
}

TEST_F(Mirror, WhatIsNotAnImageIsNotKeptAndTheJobStillSucceeded)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", sim_allowed_};
  start();
  const auto id = succeeded_job("sim:page-result");
  const auto job = job_after_mirroring(id, 2);
  EXPECT_EQ(job.at("state"), "succeeded");
  for (const auto& r : job.at("results").as_array())
    EXPECT_FALSE(r.as_object().contains("localUrl")) << json::serialize(job);
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("is not a PNG, JPEG or WebP image (Content-Type text/html)"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("results/" + id + "/0.png")));
}

TEST_F(Mirror, AnImageOverTheSizeCapIsNotKept)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", sim_allowed_, "WESHOPD_RESULTS_MAX_IMAGE_BYTES=32"}; // the sim's PNGs are bigger
  start();
  const auto id = succeeded_job();
  const auto job = job_after_mirroring(id, 2);
  EXPECT_FALSE(job.at("results").as_array().front().as_object().contains("localUrl")) << json::serialize(job);
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("event=mirror_failed job=" + id), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("results/" + id + "/0.png")));
}

// Pictures by default (the dashboard shows them); mirror = false turns it off.
TEST_F(Mirror, OnByDefaultAndOffWhenTurnedOff)
{
  daemon_env_ = {sim_allowed_};
  start();
  const auto on = succeeded_job();
  EXPECT_EQ(job_after_mirroring(on, 2).at("results").as_array()[0].as_object().count("localUrl"), 1u);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + on + "/results/0").status, 200u);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("results/" + on + "/0.png"))) << "beside the database";

  ASSERT_EQ(daemon_->stop(), 0);
  daemon_env_.push_back("WESHOPD_RESULTS_MIRROR=false");
  restart();
  const auto id = succeeded_job();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto job = daemon_->call("GET", "/v1/jobs/" + id).body;
  EXPECT_FALSE(job.at("results").as_array().front().as_object().contains("localUrl"));
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id + "/results/0").status, 404u);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("results/" + id)));
}

TEST_F(Mirror, TheSweepLetsCopiesGoBeyondTheSizeCap)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", sim_allowed_};
  start();
  const auto old_id = succeeded_job();
  ASSERT_EQ(job_after_mirroring(old_id, 2).at("results").as_array()[1].as_object().count("localUrl"), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(5)); // a later stored_at
  const auto new_id = succeeded_job();
  ASSERT_EQ(job_after_mirroring(new_id, 2).at("results").as_array()[1].as_object().count("localUrl"), 1u);
  const auto one_job = std::filesystem::file_size(dir_.file("results/" + new_id + "/0.png")) * 2;

  // Restart with room for one job's copies: the sweep at start lets the older go.
  daemon_->stop();
  daemon_env_.push_back("WESHOPD_RESULTS_MAX_TOTAL_BYTES=" + std::to_string(one_job));
  restart();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::exists(dir_.file("results/" + old_id)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("results/" + old_id)));
  const auto old_job = daemon_->call("GET", "/v1/jobs/" + old_id).body;
  EXPECT_EQ(old_job.at("state"), "succeeded") << "the job stays; only its copies go";
  EXPECT_FALSE(old_job.at("results").as_array().front().as_object().contains("localUrl")) << json::serialize(old_job);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + old_id + "/results/0").status, 404u);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + new_id + "/results/0").status, 200u);
}
