// Local webhooks from a real weshopd to a real receiver: signed per Standard
// Webhooks, once per event id even when the receiver is down for a while
// and the daemon restarts in between, redirects not followed, no WeShop key.

#include "common/daemon_fixture.hpp"
#include "common/webhook_receiver.hpp"
#include "notify/signature.hpp"

#include <map>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class Notify : public test::Daemon {
protected:
  std::string key_ = *notify::signing_key(secret);

  void start_with_secret(std::vector<std::string> extra = {})
  {
    std::ofstream(dir_.file("notify.secret")) << secret << "\n";
    // The receivers are on loopback, which outbound.allow must name.
    daemon_env_ = {"WESHOPD_NOTIFY_SECRET_FILE=" + dir_.file("notify.secret"), "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"};
    daemon_env_.insert(daemon_env_.end(), extra.begin(), extra.end());
    start();
  }

  std::string submit(const std::string& notify)
  {
    auto body = job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})");
    if (!notify.empty())
      body = body.substr(0, body.size() - 1) + R"(,"notify":)" + notify + "}";
    const auto r = post_job(body);
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201 ? std::string(r.body.at("id").as_string()) : "";
  }

  json::array deliveries(const std::string& id)
  {
    return daemon_->call("GET", "/v1/jobs/" + id).body.at("notify").at("deliveries").as_array();
  }
};

TEST_F(Notify, SignedDeliveriesOnTheEndOrOnEveryTransition)
{
  start_with_secret();
  test::webhook_receiver receiver(key_);
  std::vector<std::string> ended;
  for (int i = 0; i < 3; ++i)
    ended.push_back(submit(R"({"url":")" + receiver.url() + "\"}"));
  const auto every = submit(R"({"url":")" + receiver.url() + R"(","events":"all"})");
  for (const auto& id : ended)
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  EXPECT_EQ(daemon_->wait_terminal(every).at("state"), "succeeded");
  ASSERT_TRUE(receiver.wait_distinct(3 + 4, std::chrono::seconds(15)));

  std::map<std::string, std::vector<std::string>> types; // job -> event types, in arrival order
  std::set<std::string> ids;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  for (const auto& w : receiver.received()) {
    EXPECT_TRUE(w.signature_ok) << w.id;
    EXPECT_TRUE(ids.insert(w.id).second) << "delivered twice: " << w.id;
    EXPECT_LT(std::abs(std::stoll(w.timestamp) - now.count()), 60);
    EXPECT_EQ(w.body.at("data").at("id").as_string(), w.body.at("data").at("id").as_string());
    types[std::string(w.body.at("data").at("id").as_string())].push_back(std::string(w.body.at("type").as_string()));
    for (const auto& h : w.headers)
      EXPECT_EQ(h.value.find(test::test_api_key()), std::string::npos) << "the WeShop key never goes to a webhook";
    EXPECT_EQ(w.raw.find(test::test_api_key()), std::string::npos);
  }
  for (const auto& id : ended)
    EXPECT_EQ(types[id], std::vector<std::string>{"job.succeeded"});
  auto all = types[every];
  std::sort(all.begin(), all.end()); // deliveries run side by side: arrival order may differ
  EXPECT_EQ(all, (std::vector<std::string>{"job.queued", "job.running", "job.submitting", "job.succeeded"}));

  const auto d = deliveries(ended[0]);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].at("state"), "delivered");
  EXPECT_EQ(d[0].at("attempts"), 1);
  EXPECT_EQ(d[0].at("lastStatus"), 204);
  EXPECT_EQ(d[0].at("eventState"), "succeeded");
}

TEST_F(Notify, AReceiverDownAcrossARestartGetsEachEventOnce)
{
  start_with_secret();
  const auto port = test::free_port(); // nobody listens yet
  const auto url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  std::vector<std::string> jobs;
  for (int i = 0; i < 5; ++i)
    jobs.push_back(submit(R"({"url":")" + url + "\"}"));
  for (const auto& id : jobs)
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500)); // a failed attempt or two
  for (const auto& id : jobs) {
    const auto d = deliveries(id);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].at("state"), "pending");
    EXPECT_GE(d[0].at("attempts").as_int64(), 1);
    EXPECT_FALSE(d[0].at("lastError").is_null());
  }

  ASSERT_EQ(daemon_->stop(), 0);
  restart();
  test::webhook_receiver receiver(key_, port); // back, on the same address
  ASSERT_TRUE(receiver.wait_distinct(5, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::set<std::string> ids, job_ids;
  for (const auto& w : receiver.received()) {
    EXPECT_TRUE(w.signature_ok);
    ids.insert(w.id);
    job_ids.insert(std::string(w.body.at("data").at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(job_ids, std::set<std::string>(jobs.begin(), jobs.end()));
  for (const auto& id : jobs)
    EXPECT_EQ(deliveries(id)[0].at("state"), "delivered");
}

TEST_F(Notify, RedirectsAreNotFollowed)
{
  start_with_secret();
  test::webhook_receiver receiver(key_);
  const auto id = submit(R"({"url":")" + receiver.url("/redirect") + "\"}");
  EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  for (int i = 0; i < 100 && receiver.received().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& w : receiver.received())
    EXPECT_EQ(w.path, "/redirect");
  const auto d = deliveries(id);
  EXPECT_EQ(d[0].at("state"), "pending");
  EXPECT_EQ(d[0].at("lastStatus"), 302);
}

TEST_F(Notify, BadNotifyFieldsAndTheGlobalDefault)
{
  start_with_secret({"WESHOPD_NOTIFY_URL=http://127.0.0.1:9/default"});
  const auto base = job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})");
  const auto with = [&](const std::string& notify) { return base.substr(0, base.size() - 1) + R"(,"notify":)" + notify + "}"; };
  const std::vector<std::pair<std::string, std::string>> cases{
    {R"("http://x")", "/notify"},
    {R"({"url":"ftp://x/y"})", "/notify/url"},
    {R"({"url":"http://127.0.0.1/h","events":"some"})", "/notify/events"},
    {R"({"url":"http://127.0.0.1/h","secret":"x"})", "/notify/secret"},
  };
  for (const auto& [notify, pointer] : cases) {
    const auto r = post_job(with(notify));
    ASSERT_EQ(r.status, 422u) << notify << r.text;
    EXPECT_EQ(r.body.at("error").at("details").at(0).at("field"), json::value(pointer)) << notify;
  }
  EXPECT_EQ(job_count(), 0u);

  const auto id = submit("");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body.at("notify").at("url"), "http://127.0.0.1:9/default");
  const auto none = submit("null");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + none).body.at("notify").at("url"), "http://127.0.0.1:9/default")
    << "null counts as absent";
}

TEST_F(Notify, WithoutASecretNotifyIsRefused)
{
  start();
  const auto body = job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})");
  const auto r = post_job(body.substr(0, body.size() - 1) + R"(,"notify":{"url":"http://127.0.0.1:9/h"}})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.body.at("error").at("details").at(0).at("field"), "/notify");
}

} // namespace
