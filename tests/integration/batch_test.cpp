// Batches against a real weshopd + weshop-sim: a batch of local files and
// URLs to the end, 422 pointers into items with nothing stored, one batch per
// Idempotency-Key, budget refusal and hold of the whole batch, cancel in
// flight and the retry of what did not succeed, and a SIGKILL in the middle
// (every item ends once, none is submitted twice).

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

class Batch : public Daemon {
protected:
  // A batch of `n` aipose items: every third one names the local shirt.png
  // (copied once per content), the others a URL each.
  std::string batch_body(int n, const std::string& shared = R"({"textDescription":"sit","batchCount":1})", const std::string& extra = "")
  {
    json::array items;
    for (int i = 0; i < n; ++i) {
      const std::string image = i % 3 == 0 ? images_ + "/shirt.png" : "https://x.test/p" + std::to_string(i) + ".png";
      json::object input{{"originalImage", image}};
      json::object item{{"input", input}};
      if (i % 3 == 0)
        item["taskName"] = "shirt-" + std::to_string(i);
      items.push_back(std::move(item));
    }
    return R"({"agent":{"name":"aipose","version":"v1.0"},"params":)" + shared + R"(,"items":)" +
           json::serialize(items) + extra + "}";
  }

  test::api_reply post_batch(const std::string& body, std::vector<std::pair<std::string, std::string>> extra = {})
  {
    extra.emplace_back("Content-Type", "application/json");
    return daemon_->call("POST", "/v1/batches", body, extra);
  }

  // Long-polls the batch until it has finished (or `timeout`); the last one seen.
  json::value wait_batch(const std::string& id, std::chrono::seconds timeout = std::chrono::seconds(60))
  {
    const auto until = std::chrono::steady_clock::now() + timeout;
    json::value b;
    while (std::chrono::steady_clock::now() < until) {
      b = daemon_->call("GET", "/v1/batches/" + id + "?wait=5").body;
      if (!b.at("finishedAt").is_null())
        return b;
    }
    return b;
  }

  std::vector<json::value> items_of(const std::string& id)
  {
    std::vector<json::value> all;
    std::string cursor;
    for (;;) {
      const auto page =
        daemon_->call("GET", "/v1/jobs?limit=500&batch=" + id + (cursor.empty() ? "" : "&cursor=" + cursor)).body;
      for (const auto& j : page.at("jobs").as_array())
        all.push_back(j);
      if (page.at("next_cursor").is_null())
        return all;
      cursor = page.at("next_cursor").as_string();
    }
  }

  std::int64_t count(const json::value& b, const char* state) { return b.at("counts").at(state).as_int64(); }
};

} // namespace

TEST_F(Batch, RunsToTheEndWithItsCountsCostAndItems)
{
  start();
  const auto created = post_batch(batch_body(30));
  ASSERT_EQ(created.status, 201u) << created.text;
  const std::string id(created.body.at("id").as_string());
  EXPECT_EQ(created.header("Location"), "/v1/batches/" + id);
  EXPECT_EQ(created.body.at("items"), 30);
  EXPECT_EQ(created.body.at("images").at("requested"), 30);
  EXPECT_EQ(created.body.at("cost").at("expected").as_double(), 30.0);

  const auto done = wait_batch(id);
  EXPECT_EQ(done.at("state"), "succeeded") << done;
  EXPECT_EQ(count(done, "succeeded"), 30);
  EXPECT_EQ(done.at("finished"), 30);
  EXPECT_EQ(done.at("images").at("produced"), 30);
  EXPECT_FALSE(done.at("startedAt").is_null());

  const auto items = items_of(id);
  ASSERT_EQ(items.size(), 30u);
  std::set<std::int64_t> indexes;
  for (const auto& j : items) {
    EXPECT_EQ(j.at("batchId"), json::value(id));
    EXPECT_EQ(j.at("state"), "succeeded");
    indexes.insert(j.at("batchIndex").as_int64());
    const auto index = j.at("batchIndex").as_int64();
    const std::string name = index % 3 == 0 ? "shirt-" + std::to_string(index) : "p" + std::to_string(index) + ".png";
    EXPECT_EQ(j.at("itemName"), json::value(name));
  }
  EXPECT_EQ(indexes.size(), 30u);
  EXPECT_EQ(sim_->stats().at("runs_created"), 30);
  EXPECT_EQ(sim_->stats().at("uploads"), 1); // the local file, once for its 10 items

  const auto listed = daemon_->call("GET", "/v1/batches").body.at("batches").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("id"), json::value(id));
}

TEST_F(Batch, BadItemsAre422WithPointersIntoTheItemsAndNothingIsStored)
{
  start();
  // Item 1 has no input image; item 2 overrides a param with a wrong type;
  // item 3 repeats item 0; the shared params carry an unknown name.
  const auto body = R"({"agent":{"name":"aipose","version":"v1.0"},"params":{"textDescription":"sit","bogus":1},"items":[
    {"input":{"originalImage":"https://x.test/a.png"}},
    {"input":{}},
    {"input":{"originalImage":"https://x.test/c.png"},"params":{"batchCount":"two"}},
    {"input":{"originalImage":"https://x.test/a.png"}},
    {"input":{"originalImage":")" + images_ + R"(/missing.png"}},
    {"input":{"originalImage":"https://x.test/e.png"},"colour":"red"}]})";
  const auto r = post_batch(body);
  ASSERT_EQ(r.status, 422u) << r.text;
  std::set<std::string> pointers;
  for (const auto& d : r.body.at("error").at("details").as_array())
    pointers.insert(std::string(d.at("field").as_string()));
  EXPECT_TRUE(pointers.contains("/params/bogus")) << r.text; // once, not once per item
  EXPECT_TRUE(pointers.contains("/items/1/input/originalImage")) << r.text;
  EXPECT_TRUE(pointers.contains("/items/2/params/batchCount")) << r.text;
  EXPECT_TRUE(pointers.contains("/items/3")) << r.text; // the duplicate
  EXPECT_TRUE(pointers.contains("/items/4/input/originalImage")) << r.text;
  EXPECT_TRUE(pointers.contains("/items/5/colour")) << r.text;
  EXPECT_FALSE(pointers.contains("/items/0/params/bogus")) << r.text;

  EXPECT_EQ(post_batch(R"({"agent":{"name":"aipose"},"params":{"textDescription":"sit"},"items":[]})").status, 422u);
  const auto over = post_batch(batch_body(10001));
  EXPECT_EQ(over.status, 422u) << over.text.substr(0, 300);
  EXPECT_NE(over.text.find("at most 10000 items"), std::string::npos);
  EXPECT_EQ(post_batch("{not json").status, 400u);
  EXPECT_EQ(daemon_->call("POST", "/v1/batches", batch_body(2), {{"Content-Type", "text/plain"}}).status, 415u);

  EXPECT_EQ(job_count(), 0u);
  EXPECT_TRUE(daemon_->call("GET", "/v1/batches").body.at("batches").as_array().empty());
  EXPECT_EQ(sim_->stats().at("uploads"), 0);
}

TEST_F(Batch, ABodyOverTheLimitIs413AndStoresNothing)
{
  daemon_env_ = {"WESHOPD_LIMITS_MAX_BODY=4096"};
  start();
  EXPECT_EQ(post_batch(batch_body(200)).status, 413u);
  EXPECT_EQ(job_count(), 0u);
}

TEST_F(Batch, AnIdempotencyKeyMakesOneBatch)
{
  start();
  const auto first = post_batch(batch_body(5), {{"Idempotency-Key", "b-1"}});
  ASSERT_EQ(first.status, 201u) << first.text;
  const auto again = post_batch(batch_body(5), {{"Idempotency-Key", "b-1"}});
  EXPECT_EQ(again.status, 200u) << again.text;
  EXPECT_EQ(again.body.at("id"), first.body.at("id"));
  const auto other = post_batch(batch_body(6), {{"Idempotency-Key", "b-1"}});
  EXPECT_EQ(other.status, 409u) << other.text;
  EXPECT_EQ(job_count(), 5u);
}

TEST_F(Batch, ABudgetRefusesTheWholeBatchOrHoldsItWhole)
{
  daemon_env_ = {"WESHOPD_BUDGET_DAILY=10"};
  start();
  const auto refused = post_batch(batch_body(11));
  EXPECT_EQ(refused.status, 429u) << refused.text;
  EXPECT_EQ(refused.body.at("error").at("code"), "budget_exceeded");
  EXPECT_EQ(job_count(), 0u);
  const auto fits = post_batch(batch_body(10));
  EXPECT_EQ(fits.status, 201u) << fits.text;

  daemon_env_ = {"WESHOPD_BUDGET_DAILY=10", "WESHOPD_BUDGET_POLICY=hold"};
  restart();
  const auto held = post_batch(batch_body(4, R"({"textDescription":"stand","batchCount":1})"));
  ASSERT_EQ(held.status, 201u) << held.text;
  EXPECT_EQ(held.body.at("reason"), "budget_exhausted");
  const std::string id(held.body.at("id").as_string());
  for (const auto& j : items_of(id))
    EXPECT_EQ(j.at("reason"), "budget_exhausted") << j;
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id).body.at("state"), "running");
}

TEST_F(Batch, CancelStopsItInFlightAndRetryTakesOnlyWhatDidNotSucceed)
{
  // At most 8 runs at once: the cancel comes while runs of 3 s are going
  // and most items still wait, whatever the machine's speed (an unbounded
  // window sends all 40 within a few hundred ms).
  daemon_env_ = {"WESHOPD_UPSTREAM_MAX_RUNNING_RUNS=8"};
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "3000"});
  const auto created = post_batch(batch_body(40, R"({"textDescription":"sit","batchCount":1})", R"(,"priority":"low")"));
  ASSERT_EQ(created.status, 201u) << created.text;
  EXPECT_EQ(created.body.at("priority"), "low"); // the batch's, and each item's
  const std::string id(created.body.at("id").as_string());
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id).body.at("priority"), "low");
  ASSERT_TRUE(test::eventually([&] {
    return count(daemon_->call("GET", "/v1/batches/" + id).body, "running") > 0;
  })) << "no item started";

  const auto canceled = daemon_->call("POST", "/v1/batches/" + id + "/cancel");
  ASSERT_EQ(canceled.status, 200u) << canceled.text;
  EXPECT_EQ(canceled.body.at("state"), "canceled") << canceled.text;
  EXPECT_EQ(canceled.body.at("cancelRequested"), true);
  EXPECT_FALSE(canceled.body.at("finishedAt").is_null());
  EXPECT_LT(sim_->stats().at("runs_created").as_int64(), 40);
  EXPECT_EQ(daemon_->call("POST", "/v1/batches/" + id + "/cancel").status, 200u); // again: the same

  const auto retried = daemon_->call("POST", "/v1/batches/" + id + "/retry");
  ASSERT_EQ(retried.status, 201u) << retried.text;
  EXPECT_EQ(retried.body.at("retryOf"), json::value(id));
  EXPECT_EQ(retried.body.at("items"), count(canceled.body, "canceled") + count(canceled.body, "failed"));
  const std::string second(retried.body.at("id").as_string());
  EXPECT_EQ(retried.body.at("priority"), "low"); // a retry keeps it
  for (const auto& j : items_of(second)) {
    EXPECT_FALSE(j.at("retryOf").is_null());
    EXPECT_EQ(j.at("priority"), "low");
  }
  EXPECT_EQ(wait_batch(second, std::chrono::seconds(90)).at("state"), "succeeded");
  EXPECT_EQ(daemon_->call("POST", "/v1/batches/" + second + "/retry").status, 409u); // nothing failed
}

TEST_F(Batch, ASigkillMidBatchLosesNoItemAndSubmitsNoneTwice)
{
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "400"});
  const auto created = post_batch(batch_body(120));
  ASSERT_EQ(created.status, 201u) << created.text;
  const std::string id(created.body.at("id").as_string());
  ASSERT_TRUE(test::eventually([&] { return sim_->stats().at("runs_created").as_int64() >= 20; }));
  daemon_->stop(SIGKILL);
  restart();

  const auto done = wait_batch(id, std::chrono::seconds(120));
  ASSERT_FALSE(done.at("finishedAt").is_null()) << done;
  EXPECT_EQ(done.at("finished"), 120);
  const auto items = items_of(id);
  ASSERT_EQ(items.size(), 120u);
  std::set<std::string> runs;
  for (const auto& j : items) {
    const auto state = j.at("state");
    // A run caught between `submitting` and its answer is never sent again.
    EXPECT_TRUE(state == "succeeded" || (state == "failed" && j.at("error").at("code") == "submit_outcome_unknown"))
      << j;
    if (const auto& e = j.at("upstream").at("executionId"); e.is_string()) {
      EXPECT_TRUE(runs.insert(std::string(e.as_string())).second) << "a run shared by two items";
    }
  }
  EXPECT_LE(sim_->stats().at("runs_created").as_int64(), 120);
}

TEST_F(Batch, AnItemWhoseFileDisappearsBeforeUploadFailsAlone)
{
  // Held whole by the budget, so nothing is uploaded before the copy goes.
  daemon_env_ = {"WESHOPD_BUDGET_DAILY=1", "WESHOPD_BUDGET_POLICY=hold"};
  start();
  std::ofstream(images_ + "/a.png", std::ios::binary) << test::png + "a";
  std::ofstream(images_ + "/b.png", std::ios::binary) << test::png + "b";
  const auto body = R"({"agent":{"name":"aipose","version":"v1.0"},"params":{"textDescription":"sit","batchCount":1},)"
                    R"("items":[{"input":{"originalImage":")" + images_ + R"(/a.png"}},)"
                    R"({"input":{"originalImage":")" + images_ + R"(/b.png"}}]})";
  const auto created = post_batch(body);
  ASSERT_EQ(created.status, 201u) << created.text;
  ASSERT_EQ(created.body.at("reason"), "budget_exhausted");
  const std::string id(created.body.at("id").as_string());
  std::string gone; // weshopd's copy of b.png, named by the item's input
  for (const auto& j : items_of(id))
    if (j.at("batchIndex") == 1)
      gone = j.at("input").at("originalImage").as_string();
  ASSERT_TRUE(std::filesystem::remove(gone)) << gone;

  daemon_env_ = {"WESHOPD_BUDGET_DAILY=100", "WESHOPD_BUDGET_POLICY=hold"};
  restart(); // the budget has room now: both items go on
  const auto done = wait_batch(id);
  EXPECT_EQ(done.at("state"), "partially_failed") << done;
  for (const auto& j : items_of(id)) {
    if (j.at("batchIndex") == 0) {
      EXPECT_EQ(j.at("state"), "succeeded") << j;
    } else {
      EXPECT_EQ(j.at("state"), "failed") << j;
      EXPECT_EQ(j.at("error").at("code"), "input_unreadable") << j;
    }
  }
}
