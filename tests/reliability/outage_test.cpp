// WeShop goes away (connections refused, open ones closed) while jobs run
// and new ones arrive: they wait, with no busy loop (CPU and memory stay
// low), and all finish once it is back, each with at most one run.
// Short: a 5 s outage; WESHOPD_LONG_TESTS=1: 10 minutes.

#include "common/daemon_fixture.hpp"
#include "common/process_usage.hpp"

#include <thread>

using namespace weshopd;

namespace {

class Outage : public test::Daemon {
protected:
  std::string submit(int i)
  {
    const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})", "https://x.test/a.png",
                                     "outage-" + std::to_string(i)));
    EXPECT_EQ(r.status, 201u);
    return std::string(r.body.at("id").as_string());
  }
};

TEST_F(Outage, JobsWaitQuietlyAndFinishWhenWeShopIsBack)
{
  const char* long_env = std::getenv("WESHOPD_LONG_TESTS");
  const auto outage = (long_env && std::string(long_env) == "1") ? std::chrono::seconds(600) : std::chrono::seconds(5);
  daemon_env_ = {"WESHOPD_ENGINE_POLL_INITIAL_MS=200", "WESHOPD_ENGINE_POLL_CAP_MS=2000"};
  start({"--pending-ms", "1000", "--segmenting-ms", "1000", "--running-ms", "1000"});

  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(submit(i));
  for (int k = 0; k < 100; ++k) { // the first five are running upstream
    int running = 0;
    for (const auto& id : ids)
      running += daemon_->call("GET", "/v1/jobs/" + id).body.at("state") == "running";
    if (running == 5)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  sim_->set_outage(true);
  const auto before = test::usage_of(daemon_->pid());
  for (int i = 5; i < 10; ++i) // and five more arrive meanwhile
    ids.push_back(submit(i));
  std::this_thread::sleep_for(outage);
  const auto during = test::usage_of(daemon_->pid());
  for (const auto& id : ids)
    EXPECT_NE(daemon_->call("GET", "/v1/jobs/" + id).body.at("state"), "failed") << "an outage only delays";
  sim_->set_outage(false);

  for (const auto& id : ids)
    EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(120)).at("state"), "succeeded") << id;
  const auto cpu = during.cpu_seconds - before.cpu_seconds;
  std::cout << "[ figures  ] " << outage.count() << " s outage: " << cpu << " s CPU ("
            << 100 * cpu / static_cast<double>(outage.count()) << " % of a core), RSS " << before.rss_kib << " -> "
            << during.rss_kib << " KiB\n";
#ifdef __SANITIZE_ADDRESS__
  // ASan makes every retry dearer and keeps freed memory resident (its
  // quarantine holds up to 256 MiB): a busy loop or a leak still shows.
  const double cpu_share = 0.15;
  const std::size_t rss_slack_kib = 64 * 1024;
#else
  const double cpu_share = 0.05;
  const std::size_t rss_slack_kib = 16 * 1024;
#endif
  EXPECT_LT(cpu / static_cast<double>(outage.count()), cpu_share) << "no busy loop while WeShop is away";
  EXPECT_LT(during.rss_kib, before.rss_kib + rss_slack_kib);
  const auto stats = sim_->stats();
  for (const auto& kv : stats.at("runs_by_task").as_object())
    EXPECT_EQ(kv.value(), 1) << kv.key();
  EXPECT_EQ(stats.at("runs_created"), 10);
}

} // namespace
