// A batch's live stream, end notification, results manifest and ZIP with a
// real weshopd and weshop-sim on loopback: the stream's counts never go back
// and it ends with the batch (and resumes with Last-Event-ID), one signed
// batch.<state> webhook per finished batch, a manifest line per item equal
// to its job, and a ZIP whose entries are the mirrored copies byte for byte.

#include "common/daemon_fixture.hpp"
#include "common/zip_entries.hpp"
#include "common/sse_client.hpp"
#include "common/webhook_receiver.hpp"

#include "common/sha256.hpp"
#include "notify/signature.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class BatchApi : public test::Daemon {
protected:
  // n items of aipose, each its own image URL (a duplicate item is refused); `task(i)` names some.
  std::string batch_body(int n, const std::string& notify = "", std::function<std::string(int)> task = {},
                         int images = 1)
  {
    json::array items;
    for (int i = 0; i < n; ++i) {
      json::object input{{"originalImage", "https://x.test/item" + std::to_string(i) + ".png"}};
      json::object item{{"input", std::move(input)}};
      if (task && !task(i).empty())
        item["taskName"] = task(i);
      items.push_back(std::move(item));
    }
    json::object body{{"agent", json::object{{"name", "aipose"}, {"version", "v1.0"}}},
                      {"params", json::object{{"textDescription", "sit"}, {"batchCount", images}}},
                      {"items", std::move(items)}};
    if (!notify.empty())
      body["notify"] = json::parse(notify);
    return json::serialize(body);
  }

  std::string create(const std::string& body)
  {
    const auto r = daemon_->call("POST", "/v1/batches", body);
    EXPECT_EQ(r.status, 201u) << r.text;
    return r.status == 201 ? std::string(r.body.at("id").as_string()) : "";
  }

  json::value wait_finished(const std::string& id, std::chrono::seconds timeout = std::chrono::seconds(60))
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto b = daemon_->call("GET", "/v1/batches/" + id + "?wait=5").body;
      if (!b.at("finishedAt").is_null() || std::chrono::steady_clock::now() > deadline)
        return b;
    }
  }

  // The batch's items (jobs) by index.
  std::vector<json::object> items(const std::string& id)
  {
    std::vector<json::object> out;
    const auto page = daemon_->call("GET", "/v1/jobs?limit=500&batch=" + id).body;
    for (const auto& j : page.at("jobs").as_array())
      out.push_back(j.as_object());
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.at("batchIndex").as_int64() < b.at("batchIndex").as_int64(); });
    return out;
  }

  // Checks a stream's events; returns the item events' ids.
  std::vector<std::int64_t> check_stream(const std::vector<test::sse_event>& events, std::int64_t items,
                                         const std::string& final_state)
  {
    std::vector<std::int64_t> ids;
    std::int64_t finished = -1;
    for (const auto& e : events) {
      const auto data = json::parse(e.data);
      if (e.event == "batch") {
        EXPECT_TRUE(e.id.empty()) << "a batch event carries no id";
        const auto now = data.at("finished").as_int64();
        EXPECT_GE(now, finished) << "finished went back";
        finished = now;
        continue;
      }
      if (e.event == "succeeded" || e.event == "failed" || e.event == "canceled") { // (replayed: the job now)
        EXPECT_EQ(data.at("state").as_string(), e.event);
      }
      ids.push_back(std::stoll(e.id));
      if (ids.size() > 1) {
        EXPECT_GT(ids.back(), ids[ids.size() - 2]) << "event ids increase";
      }
    }
    EXPECT_FALSE(events.empty());
    if (!events.empty()) {
      EXPECT_EQ(events.front().event, "batch");
      EXPECT_EQ(events.back().event, "batch");
      const auto last = json::parse(events.back().data);
      EXPECT_EQ(last.at("state").as_string(), final_state);
      EXPECT_EQ(last.at("finished").as_int64(), items);
    }
    return ids;
  }
};

} // namespace

TEST_F(BatchApi, TheStreamsCountsNeverGoBackAndItEndsWithTheBatch)
{
  start();
  const auto id = create(batch_body(20, "", [](int i) { return i % 7 == 3 ? "sim:fail" : ""; }));
  ASSERT_FALSE(id.empty());
  test::sse_client stream(daemon_->api(), "/v1/batches/" + id + "/events", 0); // from the batch's start
  ASSERT_EQ(stream.status(), 200u);
  const auto events = stream.drain(std::chrono::seconds(60));
  EXPECT_TRUE(stream.ended()) << "the stream ends after the batch";
  const auto ids = check_stream(events, 20, "partially_failed");
  std::map<std::string, int> ends; // item -> terminal events seen
  for (const auto& e : events)
    if (e.event == "succeeded" || e.event == "failed")
      ++ends[std::string(json::parse(e.data).at("id").as_string())];
  EXPECT_EQ(ends.size(), 20u);
  for (const auto& [item, n] : ends)
    EXPECT_EQ(n, 1) << item;

  // Resumed after an event in the middle: only what came after it, then the end.
  ASSERT_GT(ids.size(), 10u);
  const auto middle = ids[ids.size() / 2];
  test::sse_client resumed(daemon_->api(), "/v1/batches/" + id + "/events", middle);
  const auto rest = resumed.drain(std::chrono::seconds(10));
  EXPECT_TRUE(resumed.ended());
  const auto rest_ids = check_stream(rest, 20, "partially_failed");
  EXPECT_EQ(rest_ids, std::vector<std::int64_t>(ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2) + 1, ids.end()));

  // A finished batch without Last-Event-ID: its final counts only.
  test::sse_client done(daemon_->api(), "/v1/batches/" + id + "/events");
  const auto only = done.drain(std::chrono::seconds(10));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only.front().event, "batch");
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/01a216b4-3194-74ba-a0cf-943f8ad4dd6d/events").status, 404u);
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id + "/events", "", {{"Last-Event-ID", "x"}}).status, 400u);
}

TEST_F(BatchApi, ALiveStreamSeesTheItemsMoveAndEnds)
{
  start({"--pending-ms", "200", "--segmenting-ms", "200", "--running-ms", "400"});
  const auto id = create(batch_body(20));
  test::sse_client stream(daemon_->api(), "/v1/batches/" + id + "/events");
  const auto events = stream.drain(std::chrono::seconds(60));
  EXPECT_TRUE(stream.ended());
  check_stream(events, 20, "succeeded");
  const auto b = daemon_->call("GET", "/v1/batches/" + id).body;
  EXPECT_EQ(b.at("state"), "succeeded");
}

TEST_F(BatchApi, OneSignedWebhookPerFinishedBatch)
{
  std::ofstream(dir_.file("notify.secret")) << secret << "\n";
  daemon_env_ = {"WESHOPD_NOTIFY_SECRET_FILE=" + dir_.file("notify.secret"), "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"};
  start();
  test::webhook_receiver receiver(*notify::signing_key(secret));
  const auto notify = R"({"url":")" + receiver.url() + "\"}";
  const auto ok = create(batch_body(5, notify));
  const auto mixed = create(batch_body(4, notify, [](int i) { return i == 0 ? "sim:fail" : "x" + std::to_string(i); }));
  EXPECT_EQ(wait_finished(ok).at("state"), "succeeded");
  EXPECT_EQ(wait_finished(mixed).at("state"), "partially_failed");
  ASSERT_TRUE(receiver.wait_distinct(2, std::chrono::seconds(15)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500)); // a second delivery would be here by now
  std::map<std::string, std::string> types; // batch -> type
  for (const auto& w : receiver.received()) {
    EXPECT_TRUE(w.signature_ok) << w.id;
    const std::string batch_id(w.body.at("data").at("id").as_string());
    EXPECT_EQ(w.id, "batch_" + batch_id);
    EXPECT_TRUE(types.emplace(batch_id, std::string(w.body.at("type").as_string())).second) << "twice: " << batch_id;
    EXPECT_EQ(w.body.at("data").at("finished"), w.body.at("data").at("items"));
  }
  EXPECT_EQ(types[ok], "batch.succeeded");
  EXPECT_EQ(types[mixed], "batch.partially_failed");
  // The item that finished the batch shows no delivery of its own.
  for (const auto& j : items(ok))
    EXPECT_TRUE(j.at("notify").is_null());
}

TEST_F(BatchApi, TheManifestHasALinePerItemInOrder)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=false"}; // (the archive's answer without copies, below)
  start();
  const auto id = create(batch_body(12, "", [](int i) { return i == 4 ? "sim:fail" : ""; }, 2));
  wait_finished(id);
  const auto jobs = items(id);
  ASSERT_EQ(jobs.size(), 12u);

  const auto lines = daemon_->call("GET", "/v1/batches/" + id + "/results", "", {});
  ASSERT_EQ(lines.status, 200u);
  EXPECT_EQ(lines.header("Content-Type"), "application/x-ndjson");
  std::istringstream in(lines.text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    ASSERT_LT(n, jobs.size());
    const auto v = json::parse(line).as_object();
    const auto& j = jobs[n];
    EXPECT_EQ(v.at("index").as_int64(), static_cast<std::int64_t>(n));
    EXPECT_EQ(v.at("jobId"), j.at("id"));
    EXPECT_EQ(v.at("name"), j.at("itemName"));
    EXPECT_EQ(v.at("state"), j.at("state"));
    EXPECT_EQ(v.at("input"), j.at("input"));
    EXPECT_EQ(v.contains("error"), !j.at("error").is_null());
    const auto& results = v.at("results").as_array();
    ASSERT_EQ(results.size(), j.at("results").as_array().size());
    for (std::size_t k = 0; k < results.size(); ++k)
      EXPECT_EQ(results[k].at("url"), j.at("results").at(k).at("image"));
  }
  EXPECT_EQ(n, 12u);

  const auto csv = daemon_->call("GET", "/v1/batches/" + id + "/results", "", {{"Accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200u);
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.text.starts_with("index,name,job_id,state,error_code,input_image,result_urls,local_urls,sha256s\r\n"));
  std::size_t rows = 0;
  for (std::size_t at = 0; (at = csv.text.find("\r\n", at)) != std::string::npos; at += 2)
    ++rows;
  EXPECT_EQ(rows, 13u);
  EXPECT_NE(csv.text.find("\r\n4,sim:fail," + std::string(jobs[4].at("id").as_string()) + ",failed,"), std::string::npos)
    << csv.text;
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id + "/results?format=csv", "", {}).text, csv.text);
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id + "/results?format=xml", "", {}).status, 422u);
  EXPECT_EQ(daemon_->call("GET", "/v1/batches/" + id + "/archive", "", {}).status, 409u) << "mirroring is off";
}

TEST_F(BatchApi, TheZipHoldsTheMirroredCopiesNamedAfterTheInputs)
{
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"};
  start();
  const auto id = create(batch_body(3, "", [](int i) { return i == 2 ? "shirt.png" : i == 1 ? "shirt.png" : ""; }, 2));
  ASSERT_EQ(wait_finished(id).at("state"), "succeeded");
  // Mirroring follows each success: wait until every result has its copy.
  std::vector<json::object> jobs;
  for (int tries = 0; tries < 200; ++tries) {
    jobs = items(id);
    std::size_t copied = 0;
    for (const auto& j : jobs)
      for (const auto& r : j.at("results").as_array())
        copied += r.as_object().contains("localUrl");
    if (copied == 6)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto zip = daemon_->call("GET", "/v1/batches/" + id + "/archive", "", {});
  ASSERT_EQ(zip.status, 200u) << zip.text;
  EXPECT_EQ(zip.header("Content-Type"), "application/zip");
  EXPECT_EQ(zip.header("Content-Disposition"), "attachment; filename=\"batch-" + id + ".zip\"");
  EXPECT_EQ(zip.header("X-Weshopd-Skipped"), "0");
  const auto entries = test::zip_entries(zip.text);
  std::map<std::string, std::string> expected;
  const std::vector<std::string> stems{"item0", "shirt", "shirt (2)"};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t k = 0; k < 2; ++k) {
      const auto copy = test::read_file(dir_.file("results/" + std::string(jobs[i].at("id").as_string()) + "/" +
                                                  std::to_string(k) + ".png"));
      ASSERT_FALSE(copy.empty());
      expected[stems[i] + "-" + std::to_string(k + 1) + ".png"] = sha256_hex(copy);
    }
  EXPECT_EQ(entries, expected);
}
