// GET /metrics from a real weshopd: the text passes `promtool check metrics`
// (Prometheus' own linter), and the counters move with the work done.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>

using namespace weshopd;
using test::Daemon;

namespace {

// "name{labels}" -> value, for every sample line.
std::map<std::string, double> samples_of(const std::string& text)
{
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#')
      continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double value(const std::map<std::string, double>& samples, const std::string& series)
{
  const auto it = samples.find(series);
  return it == samples.end() ? 0 : it->second;
}

} // namespace

TEST_F(Daemon, MetricsPassPromtoolAndMoveWithTheWork)
{
  start();
  const auto before = daemon_->call("GET", "/metrics");
  ASSERT_EQ(before.status, 200u);
  EXPECT_EQ(before.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto was = samples_of(before.text);

  std::vector<std::string> ids;
  for (const auto* text : {"sit", "stand"}) {
    const auto r = post_job(job_body("aipose", std::string(R"({"textDescription":")") + text + "\"}", images_ + "/shirt.png"));
    ASSERT_EQ(r.status, 201u);
    ids.emplace_back(r.body.at("id").as_string());
  }
  for (const auto& id : ids)
    ASSERT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  ASSERT_EQ(daemon_->call("POST", "/v1/jobs/" + ids[0] + "/cancel").status, 409u);

  const auto after = daemon_->call("GET", "/metrics");
  ASSERT_EQ(after.status, 200u);
  const auto file = dir_.file("metrics.txt");
  std::ofstream(file) << after.text;
  const auto report = dir_.file("promtool.txt");
  const int rc = std::system(("promtool check metrics < " + file + " > " + report + " 2>&1").c_str());
  EXPECT_EQ(rc, 0) << "promtool check metrics:\n" << test::read_file(report) << "\n---- metrics ----\n" << after.text;

  const auto now = samples_of(after.text);
  const auto moved = [&](const std::string& series) { return value(now, series) - value(was, series); };
  EXPECT_EQ(value(now, R"(weshopd_jobs{agent="aipose",state="succeeded"})"), 2);
  EXPECT_EQ(moved(R"(weshopd_job_transitions_total{from="queued",to="uploading"})"), 2);
  EXPECT_EQ(moved(R"(weshopd_job_transitions_total{from="running",to="succeeded"})"), 2);
  EXPECT_EQ(moved(R"(weshopd_upstream_requests_total{endpoint="start_run",status="200",outcome="ok"})"), 2);
  EXPECT_EQ(moved(R"(weshopd_upstream_requests_total{endpoint="upload_image",status="200",outcome="ok"})"), 1)
    << "one file, one upload";
  EXPECT_GE(moved(R"(weshopd_upstream_request_duration_seconds_count{endpoint="get_run"})"), 2);
  EXPECT_GE(moved("weshopd_store_commit_writes_count"), 1);
  EXPECT_GE(value(now, R"(weshopd_http_open_connections{listener="api"})"), 1) << "this scrape's own";
  EXPECT_EQ(value(now, "weshopd_poll_queue_jobs"), 0);
  EXPECT_GT(value(now, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(value(now, "process_open_fds"), 3);
  EXPECT_GT(value(now, "process_start_time_seconds"), 1.7e9);
  EXPECT_EQ(after.text.find(test::test_api_key()), std::string::npos);
}

TEST_F(Daemon, UpstreamFailuresAndRetriesAreCounted)
{
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"status","status":429,"retry_after":0,"count":2}])");
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit"})"));
  ASSERT_EQ(r.status, 201u);
  ASSERT_EQ(daemon_->wait_terminal(std::string(r.body.at("id").as_string())).at("state"), "succeeded");
  const auto now = samples_of(daemon_->call("GET", "/metrics").text);
  EXPECT_EQ(value(now, R"(weshopd_upstream_requests_total{endpoint="start_run",status="429",outcome="api_error"})"), 2);
  EXPECT_EQ(value(now, R"(weshopd_upstream_retries_total{step="submitting"})"), 2);
}
