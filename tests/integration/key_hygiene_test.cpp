// The WeShop key leaves no trace in a running weshopd's environment: not in
// environ and not in /proc/<pid>/environ (the start-up block, which unsetenv
// leaves alone), while the daemon still uses it for every upstream call.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace weshopd;
namespace json = boost::json;

using test::Daemon;

TEST_F(Daemon, TheKeyIsGoneFromProcEnvironYetStillUsed)
{
  start();
  const auto proc = "/proc/" + std::to_string(daemon_->pid());
  const auto block = test::read_file(proc + "/environ");
  ASSERT_NE(block.find("WESHOPD_STORE_PATH="), std::string::npos) << "not the daemon's environment: " << block;
  EXPECT_EQ(block.find(test::test_api_key()), std::string::npos) << "the key is in " << proc << "/environ";
  // Not a tail of it either: the whole value is overwritten, not only its start.
  const auto& key = test::test_api_key();
  EXPECT_EQ(block.find(key.substr(key.size() / 2)), std::string::npos);

  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})"));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  const auto job = daemon_->wait_terminal(std::string(r.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  EXPECT_EQ(sim_->stats().at("key_leaks"), 0);
}

// The unit's TasksMax=64 must leave ample room for what weshopd starts.
TEST_F(Daemon, FewThreadsFarBelowTheUnitsTasksMax)
{
  start();
  const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})"));
  ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
  daemon_->wait_terminal(std::string(r.body.at("id").as_string()));
  std::size_t tasks = 0;
  for ([[maybe_unused]] const auto& t :
       std::filesystem::directory_iterator("/proc/" + std::to_string(daemon_->pid()) + "/task"))
    ++tasks;
  EXPECT_GE(tasks, 1u);
  EXPECT_LE(tasks, 16u) << "weshopd runs more threads than TasksMax=64 in deploy/systemd/weshopd.service allows for";
}
