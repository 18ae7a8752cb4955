// The contract written down: openapi/weshopd.yaml passes Redocly's linter,
// and a real weshopd's responses on every route (successes and errors, JSON,
// images, event streams, the callback listener) validate against it.

#include "common/daemon_fixture.hpp"
#include "common/sse_client.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

class OpenApi : public Daemon {
protected:
  std::ofstream recording_{dir_.file("recording.jsonl")};

  void record(const std::string& method, const std::string& path, const test::api_reply& r)
  {
    recording_ << json::serialize(json::object{{"method", method},
                                               {"path", path},
                                               {"status", r.status},
                                               {"content_type", r.header("Content-Type")},
                                               {"body", r.text}})
               << "\n";
  }

  test::api_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}})
  {
    auto r = daemon_->call(method, path, body, headers);
    record(method, path, r);
    return r;
  }

  // Runs a command in openapi/ (where npm put the tools); its output on failure.
  static std::pair<int, std::string> in_openapi(const std::string& command, const std::string& output)
  {
    const int status = std::system(("cd " WESHOPD_SOURCE_DIR "/openapi && " + command + " > " + output + " 2>&1").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, test::read_file(output)};
  }
};

} // namespace

TEST(OpenApiSpec, PassesTheLinter)
{
  test::temp_dir dir;
  const auto out = dir.file("lint.txt");
  const int status =
    std::system(("cd " WESHOPD_SOURCE_DIR "/openapi && npx --no-install redocly lint weshopd.yaml > " + out + " 2>&1").c_str());
  EXPECT_EQ(status, 0) << test::read_file(out);
}

TEST(OpenApiSpec, TheCheckerRefusesWhatBreaksTheSpec)
{
  test::temp_dir dir;
  const auto recording = dir.file("bad.jsonl");
  std::ofstream(recording)
    << R"({"method":"GET","path":"/healthz","status":200,"content_type":"application/json","body":"{\"status\":\"ok\"}"})" "\n"
    << R"({"method":"GET","path":"/v1/jobs/x","status":418,"content_type":"application/json","body":"{}"})" "\n"
    << R"({"method":"GET","path":"/v2/nothing","status":200,"content_type":"text/plain","body":""})" "\n";
  const auto out = dir.file("check.txt");
  const int status = std::system(
    ("cd " WESHOPD_SOURCE_DIR "/openapi && node check-responses.mjs weshopd.yaml " + recording + " > " + out + " 2>&1").c_str());
  const auto report = test::read_file(out);
  EXPECT_NE(status, 0) << report;
  EXPECT_NE(report.find("must have required property 'polling'"), std::string::npos) << report;
  EXPECT_NE(report.find("status 418 is not documented"), std::string::npos) << report;
  EXPECT_NE(report.find("/v2/nothing -> 200: the route is not in the spec"), std::string::npos) << report;
  EXPECT_NE(report.find("POST /v1/jobs: in the spec but not exercised"), std::string::npos) << report;
}

TEST_F(OpenApi, RealResponsesOnEveryRouteMatchTheSpec)
{
  const auto listen = "127.0.0.1:" + std::to_string(test::free_port());
  daemon_env_ = {"WESHOPD_RESULTS_MIRROR=true", "WESHOPD_BUDGET_PER_AGENT=removeBG=1", "WESHOPD_CALLBACKS_LISTEN=" + listen,
                 "WESHOPD_CALLBACKS_PUBLIC_BASE_URL=http://" + listen,
                 "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"}; // the sim's image host, on loopback
  start();
  const auto body = job_body("aipose", R"({"textDescription":"sit","batchCount":2})", images_ + "/shirt.png");

  call("GET", "/healthz");
  call("GET", "/v1/agents");
  call("GET", "/v1/agents/aipose/info");
  call("GET", "/v1/agents/nope/info");
  call("GET", "/metrics");

  const auto created = call("POST", "/v1/jobs", body);
  ASSERT_EQ(created.status, 201u);
  const std::string id(created.body.at("id").as_string());
  const std::vector<std::pair<std::string, std::string>> keyed{{"Content-Type", "application/json"}, {"Idempotency-Key", "k1"}};
  EXPECT_EQ(call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"x"})"), keyed).status, 201u);
  EXPECT_EQ(call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"x"})"), keyed).status, 200u);
  EXPECT_EQ(call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"y"})"), keyed).status, 409u);
  EXPECT_EQ(call("POST", "/v1/jobs", "{").status, 400u);
  EXPECT_EQ(call("POST", "/v1/jobs", body, {{"Content-Type", "text/plain"}}).status, 415u);
  EXPECT_EQ(call("POST", "/v1/jobs", job_body("aipose", R"({"batchCount":0})")).status, 422u);
  EXPECT_EQ(call("POST", "/v1/jobs?deadline=1", body).status, 422u);
  EXPECT_EQ(call("DELETE", "/v1/jobs").status, 405u);

  ASSERT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded");
  for (int i = 0; i < 100 && !daemon_->call("GET", "/v1/jobs/" + id).body.at("results").at(1).as_object().contains("localUrl"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  call("GET", "/v1/jobs/" + id);
  call("GET", "/v1/jobs/" + id + "?wait=1");
  call("GET", "/v1/jobs/" + id + "?wait=99");
  call("GET", "/v1/jobs/01a216b4-3194-74ba-a0cf-943f8ad4dd6d");
  const auto page = call("GET", "/v1/jobs?limit=1");
  call("GET", "/v1/jobs?limit=1&cursor=" + std::string(page.body.at("next_cursor").as_string()));
  call("GET", "/v1/jobs?state=succeeded&agent=aipose");
  call("GET", "/v1/jobs?cursor=not-ours");
  call("GET", "/v1/jobs?limit=0");

  const auto image = call("GET", "/v1/jobs/" + id + "/results/0");
  ASSERT_EQ(image.status, 200u);
  call("GET", "/v1/jobs/" + id + "/results/0", "", {{"If-None-Match", image.header("ETag")}});
  call("GET", "/v1/jobs/" + id + "/results/7");

  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/cancel").status, 409u);
  call("POST", "/v1/jobs/01a216b4-3194-74ba-a0cf-943f8ad4dd6d/cancel");
  const auto other = call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"z"})"));
  const std::string other_id(other.body.at("id").as_string());
  EXPECT_EQ(call("POST", "/v1/jobs/" + other_id + "/cancel").status, 200u);
  EXPECT_EQ(call("POST", "/v1/jobs/" + other_id + "/retry").status, 201u);
  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/retry").status, 409u);

  // Event streams: a finished job's replay ends by itself; the live stream is read for its replay.
  call("GET", "/v1/jobs/" + id + "/events");
  call("GET", "/v1/jobs/" + id + "/events", "", {{"Last-Event-ID", "nope"}});
  call("GET", "/v1/events?state=bogus");
  {
    test::sse_client all(daemon_->api(), "/v1/events", 0);
    std::string text;
    for (int i = 0; i < 6; ++i)
      if (const auto e = all.next(std::chrono::seconds(5)))
        text += "id: " + e->id + "\nevent: " + e->event + "\ndata: " + e->data + "\n\n";
    test::api_reply r;
    r.status = all.status();
    r.headers = {{"Content-Type", "text/event-stream"}};
    r.text = text;
    ASSERT_FALSE(text.empty());
    record("GET", "/v1/events", r);
  }

  // Batches: every route, with their answers and errors.
  const std::string batch_body =
    R"({"agent":{"name":"aipose","version":"v1.0"},"params":{"textDescription":"sit","batchCount":1},)"
    R"("items":[{"input":{"originalImage":"https://x.test/b1.png"}},)"
    R"({"input":{"originalImage":"https://x.test/b2.png"},"taskName":"second"}]})";
  const std::vector<std::pair<std::string, std::string>> batch_key{{"Content-Type", "application/json"},
                                                                   {"Idempotency-Key", "batch-1"}};
  const auto made = call("POST", "/v1/batches", batch_body, batch_key);
  ASSERT_EQ(made.status, 201u) << made.text;
  const std::string batch_id(made.body.at("id").as_string());
  EXPECT_EQ(call("POST", "/v1/batches", batch_body, batch_key).status, 200u);
  EXPECT_EQ(call("POST", "/v1/batches", R"({"agent":{"name":"aipose"},"items":[]})").status, 422u);
  EXPECT_EQ(call("POST", "/v1/batches", "{").status, 400u);
  call("GET", "/v1/batches/" + batch_id + "?wait=1");
  for (int i = 0; i < 30 && daemon_->call("GET", "/v1/batches/" + batch_id + "?wait=2").body.at("finishedAt").is_null(); ++i)
    ;
  call("GET", "/v1/batches/" + batch_id);
  call("GET", "/v1/batches/01a216b4-3194-74ba-a0cf-943f8ad4dd6d");
  call("GET", "/v1/batches?limit=1");
  call("GET", "/v1/batches?limit=0");
  call("GET", "/v1/jobs?batch=" + batch_id);
  EXPECT_EQ(call("POST", "/v1/batches/" + batch_id + "/cancel").status, 409u);
  EXPECT_EQ(call("POST", "/v1/batches/" + batch_id + "/retry").status, 409u);
  const auto to_cancel = call("POST", "/v1/batches", batch_body);
  const std::string cancel_id(to_cancel.body.at("id").as_string());
  call("POST", "/v1/batches/" + cancel_id + "/cancel"); // 200, or 409 had it finished already
  for (int i = 0; i < 30 && daemon_->call("GET", "/v1/batches/" + cancel_id + "?wait=2").body.at("finishedAt").is_null(); ++i)
    ;
  call("POST", "/v1/batches/" + cancel_id + "/retry");
  for (int i = 0; i < 100; ++i) { // the copies, for the manifest's local URLs and the ZIP
    const auto lines = daemon_->call("GET", "/v1/batches/" + batch_id + "/results", "", {}).text;
    if (lines.find("\"localUrl\"") != std::string::npos && lines.find("\"localUrl\"", lines.find('\n')) != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(call("GET", "/v1/batches/" + batch_id + "/results", "", {}).status, 200u);
  EXPECT_EQ(call("GET", "/v1/batches/" + batch_id + "/results", "", {{"Accept", "text/csv"}}).status, 200u);
  call("GET", "/v1/batches/" + batch_id + "/results?format=xml", "", {});
  call("GET", "/v1/batches/01a216b4-3194-74ba-a0cf-943f8ad4dd6d/results", "", {});
  {
    auto zip = daemon_->call("GET", "/v1/batches/" + batch_id + "/archive", "", {});
    EXPECT_EQ(zip.status, 200u) << zip.text;
    zip.text.clear(); // binary; the checker reads only its status and type
    record("GET", "/v1/batches/" + batch_id + "/archive", zip);
  }
  call("GET", "/v1/batches/01a216b4-3194-74ba-a0cf-943f8ad4dd6d/archive", "", {});
  call("GET", "/v1/batches/" + batch_id + "/events", "", {{"Last-Event-ID", "nope"}});
  {
    test::sse_client stream(daemon_->api(), "/v1/batches/" + batch_id + "/events", 0);
    std::string text;
    for (const auto& e : stream.drain(std::chrono::seconds(10)))
      text += (e.id.empty() ? "" : "id: " + e.id + "\n") + "event: " + e.event + "\ndata: " + e.data + "\n\n";
    test::api_reply r;
    r.status = stream.status();
    r.headers = {{"Content-Type", "text/event-stream"}};
    r.text = text;
    ASSERT_NE(text.find("event: batch"), std::string::npos);
    record("GET", "/v1/batches/" + batch_id + "/events", r);
  }

  // Browsers: refused by name and by origin; the dashboard and its routes.
  EXPECT_EQ(call("POST", "/v1/jobs", body, {{"Content-Type", "application/json"}, {"Host", "evil.example"}}).status, 421u);
  EXPECT_EQ(call("POST", "/v1/jobs", body, {{"Content-Type", "application/json"}, {"Origin", "http://evil.example"}}).status, 403u);
  EXPECT_EQ(call("GET", "/").status, 308u);
  EXPECT_EQ(call("GET", "/ui/").status, 200u);
  EXPECT_EQ(call("GET", "/ui/", "", {{"Host", "evil.example"}}).status, 421u);
  const auto script = call("GET", "/ui/app.js");
  EXPECT_EQ(script.status, 200u);
  call("GET", "/ui/style.css");
  call("GET", "/ui/icon.svg");
  call("GET", "/ui/app.js", "", {{"If-None-Match", script.header("ETag")}});
  call("GET", "/ui/nothing.js");
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
  EXPECT_EQ(call("GET", "/v1/usage?group=agent").status, 200u);
  EXPECT_EQ(call("GET", "/v1/usage?from=someday").status, 422u);
  EXPECT_EQ(call("POST", "/v1/jobs",
                 job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ffffff","batchCount":2})"))
              .status,
            429u);
  const auto uploaded = call("POST", "/v1/uploads", test::png, {{"Content-Type", "image/png"}});
  EXPECT_EQ(uploaded.status, 201u);
  call("POST", "/v1/uploads", "text", {{"Content-Type", "text/plain"}});
  call("POST", "/v1/uploads", "GIF89a", {{"Content-Type", "image/gif"}});
  call("POST", "/v1/uploads", test::png, {{"Content-Type", "image/png"}, {"Origin", "http://evil.example"}});
  const auto local = call("POST", "/v1/jobs",
                          job_body("aipose", R"({"textDescription":"x"})", std::string(uploaded.body.at("path").as_string())));
  const std::string local_id(local.body.at("id").as_string());
  EXPECT_EQ(call("GET", "/v1/jobs/" + local_id + "/inputs/originalImage").status, 200u);
  call("GET", "/v1/jobs/" + id + "/inputs/originalImage");
  EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/history").status, 200u);
  call("GET", "/v1/jobs/01a216b4-3194-74ba-a0cf-943f8ad4dd6d/history");

  // The callback listener: a forged callback.
  const auto forged = test::http_call("http://" + listen, "POST", "/callbacks/weshop/" + id + "/forged-token", "{}",
                                      {{"Content-Type", "application/json"}});
  record("POST", "/callbacks/weshop/" + id + "/forged-token", forged);
  EXPECT_EQ(forged.status, 404u);

  // A backup: no tokens, a loopback client may.
  EXPECT_EQ(call("POST", "/v1/admin/backup", "", {}).status, 200u);

  // With a token configured, a request without it.
  std::ofstream(dir_.file("token")) << "openapi-token-0123456789\n";
  daemon_->stop();
  daemon_env_.push_back("WESHOPD_API_TOKEN_FILE=" + dir_.file("token"));
  restart();
  EXPECT_EQ(call("GET", "/v1/jobs/" + id).status, 401u);
  // A token that is not admin may not take a backup.
  EXPECT_EQ(call("POST", "/v1/admin/backup", "", {{"Authorization", "Bearer openapi-token-0123456789"}}).status, 403u);
  recording_.close();

  const auto [rc, report] = in_openapi("node check-responses.mjs weshopd.yaml " + dir_.file("recording.jsonl"),
                                       dir_.file("check.txt"));
  EXPECT_EQ(rc, 0) << report;
  EXPECT_NE(report.find("every operation exercised"), std::string::npos) << report;
}
