// The outbound address policy with a real weshopd + weshop-sim: local
// webhooks and result mirroring to loopback, link-local, private and IPv6
// loopback addresses are refused (lastError address_not_allowed, nothing
// arrives) unless outbound.allow names them, and so is a name that resolves
// to loopback (an /etc/hosts entry in the daemon's own mount namespace).

#include "common/daemon_fixture.hpp"
#include "common/webhook_receiver.hpp"
#include "notify/signature.hpp"

#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class Outbound : public test::Daemon {
protected:
  std::string key_ = *notify::signing_key(secret);

  void start_notifying(std::vector<std::string> extra = {})
  {
    std::ofstream(dir_.file("notify.secret")) << secret << "\n";
    daemon_env_ = {"WESHOPD_NOTIFY_SECRET_FILE=" + dir_.file("notify.secret")};
    daemon_env_.insert(daemon_env_.end(), extra.begin(), extra.end());
    if (sim_)
      restart();
    else
      start();
  }

  std::string submit(const std::string& notify_url)
  {
    auto body = job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})");
    body = body.substr(0, body.size() - 1) + R"(,"notify":{"url":")" + notify_url + "\"}}";
    const auto r = post_job(body);
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201 ? std::string(r.body.at("id").as_string()) : "";
  }

  // The job's one delivery once it has been attempted (or the last seen).
  json::object attempted_delivery(const std::string& id)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    json::object d;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto job = daemon_->call("GET", "/v1/jobs/" + id).body;
      const auto& all = job.at("notify").at("deliveries").as_array();
      if (!all.empty()) {
        d = all[0].as_object();
        if (d.at("attempts").as_int64() > 0)
          return d;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return d;
  }

  void expect_refused(const std::string& url)
  {
    const auto id = submit(url);
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
    const auto d = attempted_delivery(id);
    EXPECT_EQ(d.at("state"), "pending") << url << ": " << json::serialize(d);
    EXPECT_EQ(d.at("lastError"), "address_not_allowed") << url << ": " << json::serialize(d);
    EXPECT_TRUE(d.at("lastStatus").is_null()) << url;
  }

  void expect_delivered(const std::string& url, test::webhook_receiver& receiver, std::size_t so_far)
  {
    const auto id = submit(url);
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
    ASSERT_TRUE(receiver.wait_distinct(so_far + 1, std::chrono::seconds(15))) << url;
    const auto d = attempted_delivery(id);
    EXPECT_EQ(d.at("state"), "delivered") << url << ": " << json::serialize(d);
  }
};

} // namespace

TEST_F(Outbound, NotifyToInternalAddressesIsRefusedUnlessAllowed)
{
  test::webhook_receiver v4(key_);
  test::webhook_receiver v6(key_, 0, "::1");
  start_notifying();
  expect_refused(v4.url());
  expect_refused(v6.url());
  expect_refused("http://169.254.169.254/latest/meta-data/");
  expect_refused("http://10.0.0.1:8080/hook");
  expect_refused("http://[::ffff:127.0.0.1]:" + std::to_string(v4.port()) + "/hook");
  EXPECT_TRUE(v4.received().empty());
  EXPECT_TRUE(v6.received().empty());
  // What clients see is the class; what was refused, only the daemon's log.
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("169.254.169.254 (link-local)"), std::string::npos);

  ASSERT_EQ(daemon_->stop(), 0);
  start_notifying({"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"});
  expect_delivered(v4.url(), v4, 0);
  expect_refused(v6.url()); // ::1 is not in 127.0.0.1/32
  expect_refused("http://169.254.169.254/latest/meta-data/");
  EXPECT_TRUE(v6.received().empty());

  ASSERT_EQ(daemon_->stop(), 0);
  start_notifying({"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32,::1/128"});
  expect_delivered(v6.url(), v6, 0);
}

TEST_F(Outbound, ConnectFailuresShowTheirClassOnly)
{
  start_notifying({"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"});
  const auto port = test::free_port(); // nobody listens
  const auto id = submit("http://127.0.0.1:" + std::to_string(port) + "/hook");
  EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  const auto d = attempted_delivery(id);
  EXPECT_EQ(d.at("lastError"), "connect_failed") << json::serialize(d);
}

TEST_F(Outbound, AnInvalidAllowListStopsTheDaemonNamingTheKey)
{
  start_notifying({"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"});
  ASSERT_EQ(daemon_->stop(), 0);
  daemon_env_.push_back("WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32,10.1.2.3/8");
  EXPECT_THROW(restart(), std::runtime_error);
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("outbound.allow"), std::string::npos);
}

TEST_F(Outbound, ResultsOnLoopbackAreNotMirroredUnlessAllowed)
{
  const auto mirrored = [&](const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      const auto job = daemon_->call("GET", "/v1/jobs/" + id).body;
      const bool copied = job.at("results").as_array().at(0).as_object().contains("localUrl");
      const bool failed = test::read_file(dir_.file("daemon.log")).find("event=mirror_failed job=" + id) != std::string::npos;
      if (copied || failed || std::chrono::steady_clock::now() > deadline)
        return copied;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  const auto image_requests = [&] {
    const auto stats = sim_->stats();
    const auto* n = stats.at("requests").as_object().if_contains("images");
    return n ? n->as_int64() : 0;
  };
  const auto job = [&] {
    const auto r = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})"));
    EXPECT_EQ(r.status, 201u);
    const std::string id(r.body.at("id").as_string());
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
    return id;
  };

  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true"};
  start();
  const auto refused = job();
  EXPECT_FALSE(mirrored(refused));
  EXPECT_EQ(image_requests(), 0) << "nothing was fetched from the loopback image host";
  const auto log = test::read_file(dir_.file("daemon.log"));
  EXPECT_NE(log.find("event=mirror_failed job=" + refused + " error=\"result 0: address_not_allowed\""), std::string::npos)
    << log;

  ASSERT_EQ(daemon_->stop(), 0);
  daemon_env_.push_back("WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32");
  restart();
  EXPECT_TRUE(mirrored(job()));
  EXPECT_GE(image_requests(), 1);
}

// A name is judged by the addresses it resolves to: hooks.internal.test maps
// to 127.0.0.1 in an /etc/hosts seen only by this daemon (its own mount
// namespace; the tests run as root).
TEST_F(Outbound, ANameThatResolvesToLoopbackIsRefused)
{
  if (::geteuid() != 0 || std::system("unshare --mount true 2>/dev/null") != 0)
    GTEST_SKIP() << "needs root and unshare --mount for a private /etc/hosts";
  const auto hosts = dir_.file("hosts");
  std::ofstream(hosts) << "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 hooks.internal.test\n";
  daemon_prefix_ = {"/usr/bin/unshare", "--mount", "/bin/sh", "-c", "mount --bind " + hosts + " /etc/hosts && exec \"$0\""};
  test::webhook_receiver receiver(key_);
  const auto url = "http://hooks.internal.test:" + std::to_string(receiver.port()) + "/hook";
  start_notifying();
  expect_refused(url);
  EXPECT_TRUE(receiver.received().empty());
  const auto log = test::read_file(dir_.file("daemon.log"));
  EXPECT_NE(log.find("hooks.internal.test resolves only to addresses outbound.allow does not allow: 127.0.0.1 (loopback)"),
            std::string::npos)
    << log;

  // The same name, allowed: it did resolve, inside that namespace only.
  ASSERT_EQ(daemon_->stop(), 0);
  start_notifying({"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"});
  expect_delivered(url, receiver, 0);
}

// SIGHUP (#21): a new outbound.allow and a new notify default reach the
// notifier's connections without a restart.
TEST_F(Outbound, AReloadedAllowListAndNotifyDefaultApplyWithoutARestart)
{
  test::webhook_receiver v4(key_);
  const auto config = dir_.file("weshopd.conf");
  std::ofstream(config) << "[log]\nlevel = \"info\"\n";
  daemon_prefix_ = {"/bin/sh", "-c", "exec \"$0\" --config " + config}; // the binary is $0
  start_notifying();
  expect_refused(v4.url());

  std::ofstream(config, std::ios::trunc) << "[outbound]\nallow = [\"127.0.0.1/32\"]\n[notify]\nurl = \"" << v4.url()
                                         << "\"\n";
  const auto applied = [&] {
    return daemon_->call("GET", "/metrics").text.find("weshopd_config_reloads_total{result=\"applied\"} 1") !=
           std::string::npos;
  };
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  for (int i = 0; i < 400 && !applied(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(applied());

  // No notify field: the reloaded default, to an address only the reloaded list allows.
  const auto r = post_job(job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})"));
  ASSERT_EQ(r.status, 201u) << r.text;
  const std::string id(r.body.at("id").as_string());
  const auto job = daemon_->wait_terminal(id);
  EXPECT_EQ(job.at("state"), "succeeded");
  EXPECT_EQ(job.at("notify").at("url"), json::value(v4.url())) << json::serialize(job);
  const auto d = attempted_delivery(id);
  EXPECT_EQ(d.at("state"), "delivered") << json::serialize(d);
}
