// Callbacks from WeShop, end to end: weshop-sim calls weshopd's callback
// listener in each of its modes. A callback is only a hint: the run is
// re-fetched with GET (counted by the sim) before anything changes, bursts
// cost one GET, and forged, late or malformed callbacks change nothing.

#include "common/daemon_fixture.hpp"

#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

class Callbacks : public test::Daemon {
protected:
  std::string callbacks_; // the callback listener, "http://127.0.0.1:P"

  void start_with_callbacks(const std::string& mode, int safety_poll_seconds, std::vector<std::string> sim_timing = {
                                                                                  "--pending-ms", "50", "--segmenting-ms",
                                                                                  "50", "--running-ms", "100"})
  {
    const auto listen = "127.0.0.1:" + std::to_string(test::free_port());
    callbacks_ = "http://" + listen;
    daemon_env_ = {"WESHOPD_CALLBACKS_LISTEN=" + listen, "WESHOPD_CALLBACKS_PUBLIC_BASE_URL=" + callbacks_,
                   "WESHOPD_CALLBACKS_SAFETY_POLL_SECONDS=" + std::to_string(safety_poll_seconds)};
    sim_timing.insert(sim_timing.end(), {"--callbacks", mode, "--callback-delay-ms", "2500"});
    start(sim_timing);
  }

  std::string submit()
  {
    const auto r = post_job(job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})"));
    EXPECT_EQ(r.status, 201u);
    return std::string(r.body.at("id").as_string());
  }

  std::int64_t run_gets() { return count(sim_->stats().at("requests"), "run"); }
  json::value callback_counts() { return daemon_->call("GET", "/healthz").body.at("callbacks"); }

  static std::int64_t count(const json::value& object, const char* key)
  {
    const auto* v = object.as_object().if_contains(key);
    return v ? v->to_number<std::int64_t>() : 0;
  }

  // Waits until the sim has made (sent or dropped) `n` callbacks.
  void wait_callbacks_made(std::int64_t n)
  {
    for (int i = 0; i < 200; ++i) {
      const auto c = sim_->stats().at("callbacks");
      if (count(c, "sent") + count(c, "dropped") + count(c, "failed") >= n)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the sim made fewer than " << n << " callbacks";
  }
};

TEST_F(Callbacks, OneCallbackOneGet)
{
  start_with_callbacks("once", 300); // no safety poll within the test: only the callback can finish it
  const auto id = submit();
  const auto job = daemon_->wait_terminal(id, std::chrono::seconds(15));
  EXPECT_EQ(job.at("state"), "succeeded");
  EXPECT_EQ(run_gets(), 1); // the callback's re-fetch, and nothing else
  EXPECT_EQ(sim_->stats().at("runs_created"), 1);
  EXPECT_EQ(callback_counts().at("accepted"), 1);
}

TEST_F(Callbacks, FiveCopiesCostAtMostTwoGets)
{
  start_with_callbacks("duplicate", 300);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(submit());
  for (const auto& id : ids)
    EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(15)).at("state"), "succeeded");
  wait_callbacks_made(15);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(run_gets(), 6);
  EXPECT_EQ(sim_->stats().at("runs_created"), 3);
  const auto c = callback_counts();
  EXPECT_EQ(c.at("accepted").as_int64() + c.at("late").as_int64(), 15);
  EXPECT_GE(c.at("coalesced").as_int64() + c.at("late").as_int64(), 9) << c;
  EXPECT_EQ(c.at("forged"), 0);
}

TEST_F(Callbacks, ACallbackLaterThanThePollChangesNothing)
{
  start_with_callbacks("delayed", 1); // the safety poll finishes the job; the callback comes 2.5 s after the run
  const auto id = submit();
  const auto done = daemon_->wait_terminal(id, std::chrono::seconds(15));
  ASSERT_EQ(done.at("state"), "succeeded");
  const auto gets = run_gets();
  wait_callbacks_made(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(callback_counts().at("late"), 1);
  EXPECT_EQ(run_gets(), gets);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body, done);
}

TEST_F(Callbacks, ALostCallbackOnlyDelays)
{
  start_with_callbacks("dropped", 1);
  const auto id = submit();
  EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(15)).at("state"), "succeeded");
  EXPECT_EQ(sim_->stats().at("callbacks").at("dropped"), 1);
  EXPECT_EQ(callback_counts().at("accepted"), 0);
}

TEST_F(Callbacks, ACallbackBeforeTheSubmitAnswerIsNotLost)
{
  // Runs end at once, so the callback races the POST's answer.
  start_with_callbacks("once", 300, {"--pending-ms", "0", "--segmenting-ms", "0", "--running-ms", "0"});
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i)
    ids.push_back(submit());
  for (const auto& id : ids)
    EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(15)).at("state"), "succeeded");
  EXPECT_EQ(sim_->stats().at("runs_created"), 8);
}

TEST_F(Callbacks, ATokenOutlivesARestart)
{
  start_with_callbacks("delayed", 300); // the callback comes 2.5 s after the run: after the restart
  const auto id = submit();
  for (int i = 0; i < 100 && daemon_->call("GET", "/v1/jobs/" + id).body.at("state") != "running"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(daemon_->stop(), 0);
  restart(); // same callback listener address
  EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(15)).at("state"), "succeeded");
  EXPECT_EQ(callback_counts().at("accepted"), 1);
  EXPECT_EQ(sim_->stats().at("runs_created"), 1);
}

TEST_F(Callbacks, ForgedAndMalformedCallbacksChangeNothing)
{
  start_with_callbacks("off", 300); // the run is never fetched unless a callback proves itself
  const auto id = submit();
  for (int i = 0; i < 100 && daemon_->call("GET", "/v1/jobs/" + id).body.at("state") != "running"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto before = daemon_->call("GET", "/v1/jobs/" + id).body;
  ASSERT_EQ(before.at("state"), "running");

  const std::string forged_token = "forged-token-0123456789abcdefghijklmnopqrstu";
  const auto post = [&](const std::string& path, const std::string& body = "{}") {
    return test::http_call(callbacks_, "POST", path, body, {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(post("/callbacks/weshop/" + id + "/" + forged_token).status, 404u);
  EXPECT_EQ(post("/callbacks/weshop/01a21582-1533-71db-9b4d-284f1ffa13da/" + forged_token).status, 404u);
  EXPECT_EQ(post("/callbacks/weshop/not-a-job/x").status, 404u);
  EXPECT_EQ(post("/callbacks/weshop/" + id + "/" + forged_token + "/wrong").status, 404u);
  EXPECT_EQ(post("/v1/jobs", job_body("removeBG", R"({"maskType":"autoSubjectSegment"})")).status, 404u)
    << "the local API is not on the callback listener";
  const auto get = test::http_call(callbacks_, "GET", "/callbacks/weshop/" + id + "/" + forged_token);
  EXPECT_EQ(get.status, 405u);
  EXPECT_EQ(get.header("Allow"), "POST");
  EXPECT_EQ(post("/callbacks/weshop/" + id + "/" + forged_token, std::string(100 * 1024, 'x')).status, 413u);

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(run_gets(), 0);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body, before);
  const auto c = callback_counts();
  EXPECT_EQ(c.at("forged"), 3);
  EXPECT_EQ(c.at("accepted"), 0);

  const auto text = test::read_file(dir_.file("daemon.log"));
  EXPECT_EQ(text.find(forged_token), std::string::npos) << "tokens never reach the log";
  EXPECT_NE(text.find("event=callback verdict=forged"), std::string::npos);
}

} // namespace
