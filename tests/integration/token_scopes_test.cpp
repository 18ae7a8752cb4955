// Token scopes with a real weshopd + weshop-sim: with named tokens, a job
// belongs to the token that created it. Another token gets exactly the
// answer of a job that does not exist on every route that names the job,
// never sees it in a list or an event stream, and has Idempotency-Keys of
// its own; an admin token sees and acts on every job; a single bare token
// keeps seeing everything.

#include "common/daemon_fixture.hpp"
#include "common/sse_client.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

const std::string alice = "alice-token-0123456789";
const std::string bob = "bob-token-0123456789abc";
const std::string ops = "ops-token-0123456789abc";
const std::string nowhere = "01a216b4-3194-74ba-a0cf-943f8ad4dd6d"; // no such job

class TokenScopes : public test::Daemon {
protected:
  void start_named()
  {
    std::ofstream(dir_.file("tokens")) << "alice " << alice << "\nbob " << bob << "\nops " << ops << " admin\n";
    daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("tokens"), "WESHOPD_RESULTS_MIRROR=true",
                   "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"}; // the sim serves results on loopback
    start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "1500"});
  }

  static headers as(const std::string& token, headers extra = {})
  {
    extra.emplace_back("Authorization", "Bearer " + token);
    return extra;
  }

  test::api_reply call(const std::string& token, const std::string& method, const std::string& path,
                       const std::string& body = "", headers extra = {})
  {
    if (!body.empty() || method == "POST")
      extra.emplace_back("Content-Type", "application/json");
    return daemon_->call(method, path, body, as(token, std::move(extra)));
  }

  std::string create(const std::string& token, const std::string& task, headers extra = {})
  {
    const auto r = call(token, "POST", "/v1/jobs",
                        job_body("aipose", R"({"textDescription":"sit","batchCount":1})", images_ + "/shirt.png", task),
                        std::move(extra));
    EXPECT_EQ(r.status, 201u) << r.text;
    return r.status == 201u ? std::string(r.body.at("id").as_string()) : std::string();
  }

  // Polls as `token` until `done` holds for the job (or 30 s pass); the last job seen.
  template <class Done>
  json::value poll(const std::string& token, const std::string& id, Done done)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto job = call(token, "GET", "/v1/jobs/" + id).body;
      if (done(job) || std::chrono::steady_clock::now() > deadline)
        return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static bool terminal(const json::value& job)
  {
    const auto& s = job.at("state");
    return s == "succeeded" || s == "failed" || s == "canceled";
  }

  static std::vector<std::string> job_ids(const std::vector<test::sse_event>& events)
  {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(std::string(json::parse(e.data).at("id").as_string()));
    return out;
  }
};

TEST_F(TokenScopes, BobCannotSeeOrActOnAlicesJob)
{
  start_named();
  test::sse_client bobs_live(daemon_->api(), "/v1/events", std::nullopt, as(bob));
  ASSERT_EQ(bobs_live.status(), 200u);

  const auto id = create(alice, "alice's");
  ASSERT_FALSE(id.empty());
  const auto mine = call(alice, "GET", "/v1/jobs/" + id);
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.body.at("token"), "alice");

  // Every route that names the job answers bob as for a job that does not exist.
  const auto same_as_missing = [&](const std::string& method, const std::string& suffix) {
    const auto theirs = call(bob, method, "/v1/jobs/" + id + suffix);
    const auto missing = call(bob, method, "/v1/jobs/" + nowhere + suffix);
    EXPECT_EQ(theirs.status, 404u) << method << " " << suffix << ": " << theirs.text;
    EXPECT_EQ(theirs.text, missing.text) << method << " " << suffix;
    EXPECT_EQ(theirs.body.at("error").at("code"), "not_found") << suffix;
  };
  same_as_missing("GET", "");
  same_as_missing("GET", "?wait=2");
  same_as_missing("GET", "/events");
  same_as_missing("GET", "/history");
  same_as_missing("GET", "/inputs/originalImage");
  same_as_missing("POST", "/cancel");
  same_as_missing("POST", "/retry");
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + id + "/inputs/originalImage").status, 200u) << "alice sees her input";
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + id + "/history").status, 200u);
  EXPECT_NE(call(alice, "GET", "/v1/jobs/" + id).body.at("state"), "canceled") << "bob's cancel changed nothing";

  // Lists: alice's own; bob's (a job of his) never shows hers.
  const auto bobs = create(bob, "bob's");
  const auto bob_list = call(bob, "GET", "/v1/jobs").body.at("jobs").as_array();
  ASSERT_EQ(bob_list.size(), 1u);
  EXPECT_EQ(bob_list[0].at("id"), json::value(bobs));
  const auto alice_list = call(alice, "GET", "/v1/jobs").body.at("jobs").as_array();
  ASSERT_EQ(alice_list.size(), 1u);
  EXPECT_EQ(alice_list[0].at("id"), json::value(id));

  // Both finish; the result copy of alice's is alice's.
  const auto copied = [](const json::value& j) { // ended, and a success only once its copy is there
    return terminal(j) && (j.at("state") != "succeeded" || j.at("results").at(0).as_object().contains("localUrl"));
  };
  const auto done = poll(alice, id, copied);
  ASSERT_EQ(done.at("state"), "succeeded") << json::serialize(done);
  ASSERT_TRUE(done.at("results").at(0).as_object().contains("localUrl")) << json::serialize(done);
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + id + "/results/0").status, 200u);
  same_as_missing("GET", "/results/0");
  poll(bob, bobs, terminal);

  // Bob's live stream carried his job's events and none of alice's; a replay from the table neither.
  const auto live = job_ids(bobs_live.drain(std::chrono::seconds(2)));
  EXPECT_FALSE(live.empty());
  for (const auto& j : live)
    EXPECT_EQ(j, bobs);
  const auto transitions = [&](const std::string& token, const std::string& job) {
    return call(token, "GET", "/v1/jobs/" + job + "/history").body.at("events").as_array().size();
  };
  test::sse_client replay(daemon_->api(), "/v1/events", 0, as(bob));
  EXPECT_EQ(job_ids(replay.drain(std::chrono::seconds(2))), std::vector<std::string>(transitions(bob, bobs), bobs));
  test::sse_client alices(daemon_->api(), "/v1/events", 0, as(alice));
  EXPECT_EQ(job_ids(alices.drain(std::chrono::seconds(2))), std::vector<std::string>(transitions(alice, id), id));

  // Usage: bob's own only.
  const auto usage = call(bob, "GET", "/v1/usage?group=token").body;
  ASSERT_EQ(usage.at("rows").as_array().size(), 1u) << json::serialize(usage);
  EXPECT_EQ(usage.at("rows").at(0).at("token"), "bob");
}

TEST_F(TokenScopes, IdempotencyKeysArePerToken)
{
  start_named();
  const headers key{{"Idempotency-Key", "order-42"}};
  const auto first = create(alice, "same", key);
  const auto again = call(alice, "POST", "/v1/jobs",
                          job_body("aipose", R"({"textDescription":"sit","batchCount":1})", images_ + "/shirt.png", "same"), key);
  EXPECT_EQ(again.status, 200u) << again.text;
  EXPECT_EQ(again.body.at("id"), json::value(first)) << "alice twice: one job";
  const auto bobs = create(bob, "same", key);
  EXPECT_NE(bobs, first) << "alice's key is not bob's: two jobs";
  EXPECT_EQ(call(bob, "GET", "/v1/jobs/" + bobs).body.at("token"), "bob");
}

TEST_F(TokenScopes, AnAdminSeesAndActsOnEveryJobAndWhoseItIs)
{
  start_named();
  const auto id = create(alice, "alice's");
  create(bob, "bob's");
  const auto seen = call(ops, "GET", "/v1/jobs/" + id);
  ASSERT_EQ(seen.status, 200u);
  EXPECT_EQ(seen.body.at("token"), "alice");
  EXPECT_EQ(call(ops, "GET", "/v1/jobs").body.at("jobs").as_array().size(), 2u);
  const auto status = call(ops, "GET", "/v1/status").body;
  EXPECT_EQ(status.at("caller").at("token"), "ops");
  EXPECT_EQ(status.at("caller").at("admin"), true);
  EXPECT_EQ(call(alice, "GET", "/v1/status").body.at("caller").at("admin"), false);

  const auto canceled = call(ops, "POST", "/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(canceled.status, 200u) << canceled.text;
  EXPECT_EQ(canceled.body.at("state"), "canceled");
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + id).body.at("state"), "canceled");
  const auto retried = call(ops, "POST", "/v1/jobs/" + id + "/retry");
  ASSERT_EQ(retried.status, 201u) << retried.text;
  EXPECT_EQ(retried.body.at("token"), "ops") << "a retry belongs to whoever asked for it";
  EXPECT_EQ(call(ops, "GET", "/v1/usage?group=token").body.at("rows").as_array().size(), 3u);
}

TEST_F(TokenScopes, ASingleBareTokenSeesEverything)
{
  start(); // jobs from before the token file
  const auto before = post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})"));
  ASSERT_EQ(before.status, 201u);
  EXPECT_TRUE(before.body.at("token").is_null()) << "no token, no owner";
  daemon_->stop();
  std::ofstream(dir_.file("token")) << alice << "\n";
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("token")};
  restart();
  const auto id = create(alice, "with the token");
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + id).body.at("token"), "default");
  EXPECT_EQ(call(alice, "GET", "/v1/jobs").body.at("jobs").as_array().size(), 2u);
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + std::string(before.body.at("id").as_string())).status, 200u);
  EXPECT_EQ(call(alice, "GET", "/v1/jobs/" + std::string(before.body.at("id").as_string()) + "/history").status, 200u);
  EXPECT_EQ(call(alice, "GET", "/v1/status").body.at("caller").at("admin"), false);
}

} // namespace
