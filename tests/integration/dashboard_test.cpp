// The dashboard and what keeps it safe in a browser, against a real weshopd +
// weshop-sim: the Host check (DNS rebinding), the Origin / content-type check
// (CSRF), the security headers, browser uploads, input images, the status
// header and job history; then the whole dashboard in Debian's Chromium
// (tests/ui/dashboard.test.mjs, puppeteer-core), screenshots kept under
// dashboard-screenshots/ beside the test binary.

#include "common/daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

// A real 1x1 PNG (decodable, unlike the fixture's magic-bytes-only one).
constexpr char real_png_bytes[] =
  "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9c"
  "c\xf8\x0f\x04\0\x09\xfb\x03\xfd\xe3U\xf2\x9c\0\0\0\0IEND\xae\x42\x60\x82";
const std::string real_png(real_png_bytes, sizeof real_png_bytes - 1);

class Dashboard : public Daemon {
protected:
  const std::string token_ = "dashboard-test-token-4f1c9a";

  void start_dashboard()
  {
    const auto token_file = dir_.file("api-token");
    std::ofstream(token_file) << token_ << "\n";
    // Pictures by default: results.mirror is not set (it is on unless turned off).
    daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + token_file, "WESHOPD_API_ALLOWED_HOSTS=weshopd.test",
                   "WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32"}; // mirroring from the sim, on loopback
    // Runs take ~5 s: long enough to cancel one from the browser, even under ASan.
    start({"--pending-ms", "800", "--segmenting-ms", "800", "--running-ms", "3000"});
  }

  test::api_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                       headers extra = {{"Content-Type", "application/json"}})
  {
    extra.emplace_back("Authorization", "Bearer " + token_);
    return daemon_->call(method, path, body, extra);
  }

  std::string port() const { return daemon_->api().substr(daemon_->api().rfind(':') + 1); }

  std::string job_with_task(const std::string& task)
  {
    const auto r = call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"sit"})", "https://x.test/a.png", task));
    EXPECT_EQ(r.status, 201u) << r.text;
    return std::string(r.body.at("id").as_string());
  }

  json::value finished(const std::string& id)
  {
    for (int i = 0; i < 300; ++i) {
      auto j = call("GET", "/v1/jobs/" + id + "?wait=5").body;
      if (j.at("finishedAt").is_string())
        return j;
    }
    return nullptr;
  }
};

} // namespace

TEST_F(Dashboard, HostHeaderMustNameThisDaemon)
{
  start_dashboard();
  for (const auto& path : {"/v1/jobs", "/ui/", "/healthz", "/metrics"}) {
    const auto r = call("GET", path, "", {{"Host", "evil.example:" + port()}});
    EXPECT_EQ(r.status, 421u) << path;
    EXPECT_EQ(r.body.at("error").at("code"), "host_not_allowed") << path;
  }
  EXPECT_EQ(call("GET", "/v1/jobs", "", {{"Host", "evil.example"}}).status, 421u);
  EXPECT_EQ(call("GET", "/v1/jobs", "", {{"Host", "localhost.evil.example"}}).status, 421u);
  EXPECT_EQ(call("GET", "/v1/jobs", "", {{"Host", "bad host"}}).status, 421u);
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port(), "localhost:" + port(), "LOCALHOST",
                                                          "[::1]:" + port(), "weshopd.test:" + port(),
                                                          "127.0.0.1:9999" /* an ssh -L forward */})
    EXPECT_EQ(call("GET", "/v1/jobs", "", {{"Host", host}}).status, 200u) << host;
}

TEST_F(Dashboard, StateChangesFromAnotherOriginAreRefusedAndChangeNothing)
{
  start_dashboard();
  const auto body = job_body("aipose", R"({"textDescription":"sit"})");
  const auto own = "http://127.0.0.1:" + port();
  const std::vector<headers> refused{
    {{"Content-Type", "application/json"}, {"Origin", "http://evil.example"}},
    {{"Content-Type", "application/json"}, {"Origin", "null"}},
    {{"Content-Type", "application/json"}, {"Origin", "http://127.0.0.1:1"}},
    {{"Content-Type", "application/json"}, {"Sec-Fetch-Site", "cross-site"}},
    {{"Content-Type", "application/json"}, {"Origin", own}, {"Sec-Fetch-Site", "same-site"}},
    // What an HTML form can send, even from our own origin.
    {{"Content-Type", "text/plain"}, {"Origin", own}},
    {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", own}},
    {{"Content-Type", "multipart/form-data; boundary=x"}, {"Sec-Fetch-Site", "same-origin"}},
  };
  for (const auto& h : refused) {
    const auto r = call("POST", "/v1/jobs", body, h);
    EXPECT_EQ(r.status, 403u) << json::serialize(r.body);
    EXPECT_EQ(r.body.at("error").at("code"), "cross_origin_refused");
    EXPECT_TRUE(r.header("Access-Control-Allow-Origin").empty());
  }
  EXPECT_EQ(call("GET", "/v1/jobs").body.at("jobs").as_array().size(), 0u) << "nothing was created";

  // Our own page, and clients that are not browsers, go on as before.
  const auto mine = call("POST", "/v1/jobs", body,
                         {{"Content-Type", "application/json; charset=utf-8"}, {"Origin", own}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(mine.status, 201u) << mine.text;
  const auto script = call("POST", "/v1/jobs", body);
  ASSERT_EQ(script.status, 201u);
  const std::string id(script.body.at("id").as_string());
  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/cancel", "", {{"Origin", "http://evil.example"}}).status, 403u);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id).body.at("state") == "canceled", false);
  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/cancel", "", {}).status, 200u) << "no body, no Origin: the contract stands";

  // No CORS: a preflight is not answered with permission.
  const auto preflight = call("OPTIONS", "/v1/jobs", "",
                              {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_NE(preflight.status, 200u);
  EXPECT_NE(preflight.status, 204u);
  EXPECT_TRUE(preflight.header("Access-Control-Allow-Origin").empty());
  EXPECT_TRUE(preflight.header("Access-Control-Allow-Methods").empty());
}

TEST_F(Dashboard, EveryAnswerCarriesTheSecurityHeaders)
{
  start_dashboard();
  const auto api = call("GET", "/v1/jobs");
  const auto page = call("GET", "/ui/", "", {});
  const auto script = call("GET", "/ui/app.js", "", {});
  const auto missing = call("GET", "/v1/nope");
  for (const auto* r : {&api, &page, &script, &missing}) {
    EXPECT_EQ(r->header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r->header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(r->header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r->header("Cross-Origin-Resource-Policy"), "same-origin");
    EXPECT_NE(r->header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  }
  EXPECT_EQ(api.header("Content-Security-Policy").find("default-src 'none'"), 0u);
  const auto csp = page.header("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("img-src 'self' blob:"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("http"), std::string::npos) << "no other host: " << csp;

  // The page is served without the token (it asks for it); the API is not.
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.text.find("<script type=\"module\" src=\"app.js\">"), std::string::npos);
  EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs").status, 401u);
  const auto again = call("GET", "/ui/app.js", "", {{"If-None-Match", script.header("ETag")}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_EQ(call("GET", "/ui/nothing.js", "", {}).status, 404u);
  EXPECT_EQ(call("GET", "/ui/../weshopd.db", "", {}).status, 404u);
  const auto root = call("GET", "/", "", {});
  EXPECT_EQ(root.status, 308u);
  EXPECT_EQ(root.header("Location"), "/ui/");
}

TEST_F(Dashboard, ABrowserUploadBecomesAnInputAndIsShownBack)
{
  start_dashboard();
  const auto sent = call("POST", "/v1/uploads", real_png, {{"Content-Type", "image/png"}});
  ASSERT_EQ(sent.status, 201u) << sent.text;
  const std::string path(sent.body.at("path").as_string());
  EXPECT_EQ(path, std::filesystem::canonical(dir_.file("uploads")).string() + "/" +
                    std::string(sent.body.at("sha256").as_string()) + ".png");
  EXPECT_EQ(test::read_file(path), real_png);
  EXPECT_EQ(call("POST", "/v1/uploads", real_png, {{"Content-Type", "image/png"}}).body.at("path"), json::value(path))
    << "the same image twice is one file";

  // Refused, and nothing written.
  const auto count_files = [&] {
    return std::distance(std::filesystem::directory_iterator(dir_.file("uploads")), {});
  };
  EXPECT_EQ(call("POST", "/v1/uploads", real_png, {{"Content-Type", "text/plain"}}).status, 415u);
  const auto not_image = call("POST", "/v1/uploads", "GIF89a not one of ours", {{"Content-Type", "image/gif"}});
  EXPECT_EQ(not_image.status, 422u);
  EXPECT_EQ(not_image.body.at("error").at("code"), "validation_failed");
  EXPECT_EQ(call("POST", "/v1/uploads", real_png, {{"Content-Type", "image/png"}, {"Origin", "http://evil.example"}}).status, 403u);
  EXPECT_EQ(count_files(), 1);

  // A job names the uploaded file; its page shows it back from weshopd.
  const auto r = call("POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"sit"})", path));
  ASSERT_EQ(r.status, 201u) << r.text;
  const std::string id(r.body.at("id").as_string());
  const auto shown = call("GET", "/v1/jobs/" + id + "/inputs/originalImage");
  EXPECT_EQ(shown.status, 200u);
  EXPECT_EQ(shown.header("Content-Type"), "image/png");
  EXPECT_EQ(shown.text, real_png);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/inputs/taskName").status, 404u);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/inputs/nothing").status, 404u);
  EXPECT_EQ(finished(id).at("state"), "succeeded");
  EXPECT_EQ(sim_->stats().at("uploads"), 1) << "the uploaded image went to WeShop";

  // A URL input is never fetched for the browser.
  const auto remote = job_with_task("remote");
  EXPECT_EQ(call("GET", "/v1/jobs/" + remote + "/inputs/originalImage").status, 404u);
}

TEST_F(Dashboard, StatusHeaderAndHistoryTellWhatHappened)
{
  start_dashboard();
  const auto ok = job_with_task("fine");
  const auto bad = job_with_task("sim:fail");
  ASSERT_EQ(finished(ok).at("state"), "succeeded");
  ASSERT_EQ(finished(bad).at("state"), "failed");
  const auto s = call("GET", "/v1/status");
  ASSERT_EQ(s.status, 200u) << s.text;
  EXPECT_EQ(s.body.at("jobs").at("succeeded"), 1);
  EXPECT_EQ(s.body.at("jobs").at("failed"), 1);
  EXPECT_EQ(s.body.at("jobs").at("queued"), 0);
  EXPECT_EQ(s.body.at("failedLastHour"), 1);
  EXPECT_EQ(s.body.at("upstream").at("state"), "ok");
  EXPECT_TRUE(s.body.at("upstream").at("lastOkAt").is_string());

  const auto h = call("GET", "/v1/jobs/" + ok + "/history");
  ASSERT_EQ(h.status, 200u);
  std::vector<std::string> steps;
  for (const auto& e : h.body.at("events").as_array())
    steps.push_back((e.at("from").is_null() ? std::string("-") : std::string(e.at("from").as_string())) + ">" +
                    std::string(e.at("to").as_string()));
  EXPECT_EQ(steps, (std::vector<std::string>{"->queued", "queued>submitting", "submitting>running", "running>succeeded"}));
  EXPECT_EQ(call("GET", "/v1/jobs/00000000-0000-7000-8000-000000000000/history").status, 404u);

  // WeShop unreachable: the header says so.
  sim_.reset();
  job_with_task("during the outage");
  for (int i = 0; i < 100 && call("GET", "/v1/status").body.at("upstream").at("state") != "trouble"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto down = call("GET", "/v1/status").body;
  EXPECT_EQ(down.at("upstream").at("state"), "trouble");
  EXPECT_TRUE(down.at("upstream").at("lastTrouble").is_string());
}

TEST_F(Dashboard, InARealBrowser)
{
  start_dashboard();
  const auto failed = job_with_task("sim:fail");
  ASSERT_EQ(finished(failed).at("state"), "failed");
  const auto log = dir_.file("browser.log");
  const std::string command = "cd " WESHOPD_SOURCE_DIR "/tests/ui && WESHOPD_URL=" + daemon_->api() +
                              " WESHOPD_TOKEN=" + token_ + " FAILED_JOB=" + failed +
                              " SHOTS_DIR=" + std::filesystem::absolute("dashboard-screenshots").string() +
                              " timeout 240 node dashboard.test.mjs > " + log + " 2>&1";
  const int status = std::system(command.c_str());
  const auto report = test::read_file(log);
  std::cout << report;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
  EXPECT_EQ(report.find("not ok"), std::string::npos);
  EXPECT_NE(report.find("ok - no script error"), std::string::npos) << "every scenario ran";
}
