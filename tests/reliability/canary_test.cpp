// The key stays home: a run with a unique canary key through every path that
// touches the network or the disk (uploads, runs, polls, callbacks, agent
// info, failures, cancel, live events, local webhooks). Afterwards the canary
// is in no log line, no byte of the database (and its WAL), no API response,
// no webhook, and the sim saw it nowhere but the API's Authorization header.

#include "common/daemon_fixture.hpp"
#include "common/sse_client.hpp"
#include "common/webhook_receiver.hpp"
#include "notify/signature.hpp"

#include <filesystem>
#include <random>

using namespace weshopd;
namespace json = boost::json;

namespace {

class Canary : public test::Daemon {};

TEST_F(Canary, TheKeyGoesOnlyToTheApiOrigin)
{
  std::mt19937_64 rng(std::random_device{}());
  const auto canary = "canary-" + std::to_string(rng()) + std::to_string(rng());
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  std::ofstream(dir_.file("notify.secret")) << secret;
  test::webhook_receiver receiver(*notify::signing_key(secret));
  const auto callbacks = "127.0.0.1:" + std::to_string(test::free_port());
  daemon_env_ = {"WESHOP_API_KEY=" + canary,
                 "WESHOPD_CALLBACKS_LISTEN=" + callbacks,
                 "WESHOPD_CALLBACKS_PUBLIC_BASE_URL=http://" + callbacks,
                 "WESHOPD_NOTIFY_SECRET_FILE=" + dir_.file("notify.secret"),
                 "WESHOPD_NOTIFY_URL=" + receiver.url(),
                 "WESHOPD_NOTIFY_EVENTS=all",
                 "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"}; // the receiver is on loopback
  start({"--api-key", canary, "--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "100", "--callbacks",
         "duplicate"});

  std::string seen; // every response body and stream the API gave
  const auto call = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    auto r = daemon_->call(method, path, body);
    seen += r.text;
    for (const auto& [name, value] : r.headers)
      seen += name + ": " + value + "\n";
    return r;
  };
  std::vector<std::string> ids;
  for (const auto& body : {job_body("aipose", R"({"textDescription":"sit","batchCount":2})", images_ + "/shirt.png"),
                           job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce"})"),
                           job_body("aipose", R"({"textDescription":"fail","batchCount":1})", "https://x.test/a.png",
                                    "sim:fail")})
    ids.push_back(std::string(call("POST", "/v1/jobs", body).body.at("id").as_string()));
  test::sse_client live(daemon_->api(), "/v1/jobs/" + ids[0] + "/events");
  for (const auto& e : live.drain())
    seen += e.data;
  for (const auto& id : ids)
    seen += json::serialize(daemon_->wait_terminal(id));
  const auto canceled = call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"stand"})"));
  call("POST", "/v1/jobs/" + std::string(canceled.body.at("id").as_string()) + "/cancel");
  call("GET", "/v1/agents/aimodel/info");
  call("GET", "/v1/agents/aimodel/info?version=v1.0");
  call("GET", "/v1/jobs?limit=500");
  call("GET", "/healthz");
  call("POST", "/callbacks/weshop/" + ids[0] + "/" + canary); // a key-shaped forgery, on the wrong listener
  test::http_call("http://" + callbacks, "POST", "/callbacks/weshop/" + ids[0] + "/" + canary, "{}");
  EXPECT_TRUE(receiver.wait_distinct(4, std::chrono::seconds(15)));
  ASSERT_EQ(daemon_->stop(), 0);

  const auto stats = sim_->stats();
  EXPECT_EQ(stats.at("key_leaks"), 0);
  EXPECT_EQ(stats.at("auth_failures"), 0) << "the key did reach the API";
  EXPECT_GT(stats.at("uploads").as_int64(), 0);

  EXPECT_EQ(seen.find(canary), std::string::npos) << "an API response holds the key";
  for (const auto& w : receiver.received()) {
    EXPECT_EQ(w.raw.find(canary), std::string::npos) << "a webhook body holds the key";
    for (const auto& h : w.headers)
      EXPECT_EQ(h.value.find(canary), std::string::npos) << "a webhook header holds the key";
  }
  const auto log = test::read_file(dir_.file("daemon.log"));
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(canary), std::string::npos) << "the log holds the key";
  for (const auto& file : std::filesystem::directory_iterator(dir_.path()))
    if (file.path().filename().string().starts_with("weshopd.db")) {
      EXPECT_EQ(test::read_file(file.path().string()).find(canary), std::string::npos) << file.path();
    }
}

} // namespace
