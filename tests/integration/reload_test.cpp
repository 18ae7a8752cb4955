// Reload without restart (#21): SIGHUP makes a real weshopd read its config
// file and token file again. A new token works and the old one stops at
// once, a lowered budget refuses the next job, the log level changes; a
// broken file changes nothing; settings that need a restart are named and
// kept. Each wait is a bounded poll for the outcome counted in /metrics.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

const std::string old_token = "old-token-0123456789abcdef";
const std::string new_token = "new-token-0123456789abcdef";

class Reload : public test::Daemon {
protected:
  std::string config_ = dir_.file("weshopd.conf");
  std::string tokens_ = dir_.file("tokens");

  // The daemon started with --config (daemon_process appends the binary: it is $0 here).
  void start_with_config(const std::string& toml)
  {
    write_config(toml);
    daemon_prefix_ = {"/bin/sh", "-c", "exec \"$0\" --config " + config_};
    start();
  }
  void write_config(const std::string& toml) { std::ofstream(config_, std::ios::trunc) << toml; }
  void write_tokens(const std::string& lines) { std::ofstream(tokens_, std::ios::trunc) << lines; }

  test::api_reply as(const std::string& token, const std::string& method, const std::string& path,
                     const std::string& body = "")
  {
    return daemon_->call(method, path, body, {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
  }

  // weshopd_config_reloads_total{result=...}, or -1 when the series is missing.
  long reloads(const std::string& token, const std::string& result)
  {
    const auto text = as(token, "GET", "/metrics").text;
    const auto series = "weshopd_config_reloads_total{result=\"" + result + "\"} ";
    const auto at = text.find(series);
    return at == std::string::npos ? -1 : std::stol(text.substr(at + series.size()));
  }

  // SIGHUP, then a bounded wait until the reload is counted under `result`.
  void reload_and_wait(const std::string& token, const std::string& result)
  {
    const auto before = reloads(token, result);
    ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
    for (int i = 0; i < 400 && reloads(token, result) == before; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_EQ(reloads(token, result), before + 1) << "the reload was not counted as " << result;
  }

  bool log_has(const std::string& text) { return test::read_file(dir_.file("daemon.log")).find(text) != std::string::npos; }

  std::string body(const std::string& task, int images)
  {
    return job_body("aipose", R"({"textDescription":"sit","batchCount":)" + std::to_string(images) + "}",
                    "https://x.test/a.png", task);
  }
};

} // namespace

TEST_F(Reload, ANewTokenAndALowerBudgetApplyWithoutARestart)
{
  write_tokens("shop " + old_token + " admin\n");
  start_with_config("[api]\ntoken_file = \"" + tokens_ + "\"\n[budget]\ndaily = 10\n");
  EXPECT_EQ(reloads(old_token, "applied"), 0) << "both series exist from the start";
  EXPECT_EQ(reloads(old_token, "invalid"), 0);
  EXPECT_TRUE(as(old_token, "GET", "/v1/status").body.at("configReload").is_null());
  ASSERT_EQ(as(old_token, "POST", "/v1/jobs", body("first", 2)).status, 201u);

  write_tokens("shop " + new_token + " admin\n");
  write_config("[api]\ntoken_file = \"" + tokens_ + "\"\n[budget]\ndaily = 2\n");
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  for (int i = 0; i < 400 && as(new_token, "GET", "/v1/status").status == 401; ++i) // until the new token is taken
    std::this_thread::sleep_for(std::chrono::milliseconds(25));

  EXPECT_EQ(as(old_token, "GET", "/v1/jobs").status, 401u) << "a removed token stops at once";
  const auto status = as(new_token, "GET", "/v1/status");
  ASSERT_EQ(status.status, 200u) << status.text;
  const auto& reload = status.body.at("configReload");
  EXPECT_EQ(reload.at("result"), "applied");
  EXPECT_NE(std::string(reload.at("detail").as_string()).find("budget.daily"), std::string::npos) << reload;
  EXPECT_TRUE(reload.at("kept").as_array().empty());
  EXPECT_EQ(reload.at("at").as_string().size(), std::string("2026-11-24T10:00:00.123Z").size());
  EXPECT_EQ(reloads(new_token, "applied"), 1);

  const auto refused = as(new_token, "POST", "/v1/jobs", body("second", 1));
  EXPECT_EQ(refused.status, 429u) << "the daily budget of 2 is spent: " << refused.text;
  EXPECT_EQ(refused.body.at("error").at("code"), "budget_exceeded");
}

TEST_F(Reload, ABrokenFileChangesNothingAndSaysWhy)
{
  write_tokens("shop " + old_token + "\n");
  const auto good = "[api]\ntoken_file = \"" + tokens_ + "\"\n[budget]\ndaily = 10\n";
  start_with_config(good);

  write_tokens("shop " + new_token + "\n"); // would apply, were the config valid
  write_config("[api\ntoken_file = ");       // not TOML
  reload_and_wait(old_token, "invalid");
  EXPECT_EQ(as(old_token, "GET", "/v1/jobs").status, 200u) << "the old token still works";
  EXPECT_EQ(as(new_token, "GET", "/v1/jobs").status, 401u);
  auto reload = as(old_token, "GET", "/v1/status").body.at("configReload");
  EXPECT_EQ(reload.at("result"), "invalid");
  EXPECT_NE(std::string(reload.at("detail").as_string()).find("configuration: "), std::string::npos) << reload;

  write_config("[api]\ntoken_file = \"" + tokens_ + "\"\n[budget]\ndaily = \"lots\"\n"); // TOML, but no amount
  reload_and_wait(old_token, "invalid");
  EXPECT_EQ(reloads(old_token, "invalid"), 2);
  EXPECT_EQ(reloads(old_token, "applied"), 0);
  EXPECT_EQ(as(old_token, "GET", "/v1/jobs").status, 200u);
  reload = as(old_token, "GET", "/v1/status").body.at("configReload");
  EXPECT_EQ(reload.at("result"), "invalid");
  // --check-config's words for the same file.
  EXPECT_NE(std::string(reload.at("detail").as_string()).find("configuration: budget.daily: must be an amount"),
            std::string::npos)
    << reload;
  EXPECT_TRUE(log_has("event=reload result=invalid"));
  // The budget of 10 still holds: a job of 4 images is admitted.
  EXPECT_EQ(as(old_token, "POST", "/v1/jobs", body("after", 4)).status, 201u);
}

TEST_F(Reload, SettingsThatNeedARestartAreNamedAndKeptWhileLogLevelAndBodyLimitApply)
{
  write_tokens(old_token + "\n");
  start_with_config("[api]\ntoken_file = \"" + tokens_ + "\"\n[log]\nlevel = \"info\"\n");
  EXPECT_NE(as(old_token, "POST", "/v1/jobs", body(std::string(2000, 't'), 1)).status, 413u) << "16 MiB by default";
  EXPECT_FALSE(log_has("level=debug")) << "info: no debug lines yet";

  const auto socket = dir_.file("api.sock");
  write_config("[api]\ntoken_file = \"" + tokens_ + "\"\nunix_socket = \"" + socket +
               "\"\n[engine]\nmax_concurrent_polls = 3\n[log]\nlevel = \"debug\"\n[limits]\nmax_body = 1024\n");
  reload_and_wait(old_token, "applied");

  EXPECT_TRUE(log_has("event=reload kept=api.unix_socket,engine.max_concurrent_polls action=\"restart to apply\""))
    << test::read_file(dir_.file("daemon.log"));
  EXPECT_FALSE(std::filesystem::exists(socket)) << "the listeners stay as they were";
  const auto status = as(old_token, "GET", "/v1/status");
  ASSERT_EQ(status.status, 200u) << "the old listener keeps serving";
  const auto& kept = status.body.at("configReload").at("kept").as_array();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept.at(0), "api.unix_socket");
  EXPECT_EQ(kept.at(1), "engine.max_concurrent_polls");
  EXPECT_TRUE(log_has("level=debug event=request method=GET path=/v1/status status=200")) << "debug lines appear";
  const auto big = as(old_token, "POST", "/v1/jobs", body(std::string(2000, 't'), 1));
  EXPECT_EQ(big.status, 413u) << "limits.max_body is live: " << big.text;
}

// scheduler.weights is live: after a reload giving alice 3 turns per round,
// one run at a time, alice's waiting jobs go three for each of bob's.
TEST_F(Reload, SchedulerWeightsApplyToTheNextTurns)
{
  const std::string alice = "alice-token-0123456789", bob = "bob-token-0123456789abc";
  write_tokens("alice " + alice + "\nbob " + bob + "\n");
  const auto config = "[api]\ntoken_file = \"" + tokens_ + "\"\n[upstream]\nmax_running_runs = 1\n[scheduler]\nweights = ";
  start_with_config(config + "[]\n");
  write_config(config + "[\"alice=3\"]\n");
  reload_and_wait(alice, "applied");
  const auto status = as(alice, "GET", "/v1/status").body.at("configReload");
  EXPECT_NE(std::string(status.at("detail").as_string()).find("scheduler.weights"), std::string::npos) << status;
  EXPECT_TRUE(status.at("kept").as_array().empty()) << status;

  std::vector<std::string> tasks;
  for (int i = 0; i < 8; ++i)
    for (const auto* who : {"a", "b"}) {
      tasks.push_back(who + std::to_string(i));
      ASSERT_EQ(as(*who == 'a' ? alice : bob, "POST", "/v1/jobs", body(tasks.back(), 1)).status, 201u);
    }
  // Runs of ~150 ms, one at a time: 16 of them.
  std::vector<std::string> accepted;
  for (int i = 0; i < 400 && accepted.size() < tasks.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    accepted = sim_->accepted_tasks(tasks);
  }
  ASSERT_EQ(accepted.size(), tasks.size());
  // The first run leaves before the rest wait; of the next eight, three of
  // every four are alice's (two rounds of a a a b), not half.
  const auto alices = std::count_if(accepted.begin() + 1, accepted.begin() + 9, [](const auto& t) { return t[0] == 'a'; });
  std::string order;
  for (const auto& t : accepted)
    order += t + " ";
  EXPECT_EQ(alices, 6) << "accepted in this order: " << order;
}
