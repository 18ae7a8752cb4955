// weshopd end to end: real weshopd and weshop-sim processes, real sockets,
// a real SQLite file. Jobs from POST to succeeded, bad input refused without
// a trace, upstream faults, and restarts that lose nothing and bill nothing twice.

#include "common/daemon_fixture.hpp"
#include "common/shell_run.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

using test::Daemon;
using test::png;

TEST_F(Daemon, EveryAgentEndToEndWithOneUploadPerFile)
{
  start();
  const std::vector<std::string> bodies{
    job_body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","textDescription":"street","batchCount":1})"),
    job_body("aiproduct", R"({"generatedContent":"referToOrigin","maskType":"autoSubjectSegment","locationId":1})"),
    job_body("aipose", R"({"textDescription":"sit","batchCount":2})", images_ + "/shirt.png"),
    job_body("aipose", R"({"textDescription":"stand","batchCount":1})", "file://" + images_ + "/shirt.png"),
    job_body("expandimage", R"({"targetWidth":2048,"targetHeight":2048,"batchCount":1})"),
    job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})"),
    job_body("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"auto","aspectRatio":"3:4","batchCount":1})"),
  };
  std::vector<std::string> ids;
  for (const auto& b : bodies) {
    const auto r = post_job(b);
    ASSERT_EQ(r.status, 201u) << json::serialize(r.body);
    EXPECT_EQ(r.header("Location"), "/v1/jobs/" + std::string(r.body.at("id").as_string()));
    EXPECT_EQ(r.body.at("state"), "queued");
    ids.emplace_back(r.body.at("id").as_string());
  }
  for (const auto& id : ids) {
    const auto job = daemon_->wait_terminal(id);
    ASSERT_EQ(job.at("state"), "succeeded") << json::serialize(job);
    EXPECT_FALSE(job.at("upstream").at("executionId").is_null());
    EXPECT_FALSE(job.at("results").as_array().empty());
    EXPECT_TRUE(job.at("error").is_null());
    EXPECT_FALSE(job.at("finishedAt").is_null());
  }
  const auto stats = sim_->stats();
  EXPECT_EQ(stats.at("uploads"), 1) << "the same file must be uploaded once";
  EXPECT_EQ(stats.at("runs_created"), static_cast<std::int64_t>(bodies.size()));
  EXPECT_EQ(stats.at("key_leaks"), 0);
}

TEST_F(Daemon, BadInputIsRefusedClearlyAndChangesNothing)
{
  start();
  std::filesystem::create_directories(dir_.file("outside"));
  std::ofstream(dir_.file("outside/secret.png"), std::ios::binary) << png;
  std::filesystem::create_symlink(dir_.file("outside/secret.png"), images_ + "/link.png");
  std::ofstream(images_ + "/notes.txt") << "not an image";
  const std::string ok_params = R"({"textDescription":"sit"})";
  struct bad_case {
    std::string method, path, body, content_type;
    unsigned status;
    std::string code;
    std::vector<std::string> fields = {};
  };
  const std::vector<bad_case> cases{
    {"POST", "/v1/jobs", "{", "application/json", 400, "invalid_json"},
    {"POST", "/v1/jobs", "", "application/json", 400, "invalid_json"},
    {"POST", "/v1/jobs", "[1,2", "application/json", 400, "invalid_json"},
    {"POST", "/v1/jobs", job_body("aipose", ok_params), "text/plain", 415, "unsupported_media_type"},
    {"POST", "/v1/jobs", "[]", "application/json", 422, "validation_failed", {""}},
    {"POST", "/v1/jobs", R"({"agent":"aipose","input":{"originalImage":"https://x.test/a.png"}})", "application/json", 422,
     "validation_failed", {"/agent"}},
    {"POST", "/v1/jobs", job_body("nope", ok_params), "application/json", 422, "validation_failed", {"/agent/name"}},
    {"POST", "/v1/jobs", R"({"agent":{"name":"aipose"},"params":{"textDescription":"x"}})", "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"x","batchCount":0})"), "application/json", 422,
     "validation_failed", {"/params/batchCount"}},
    {"POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"x","batchCount":"4"})"), "application/json", 422,
     "validation_failed", {"/params/batchCount"}},
    {"POST", "/v1/jobs", job_body("aipose", R"({"textDescription":"x","batchcount":4})"), "application/json", 422,
     "validation_failed", {"/params/batchcount"}},
    {"POST", "/v1/jobs", job_body("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","batchCount":99})"),
     "application/json", 422, "validation_failed", {"/params", "/params/customMask", "/params/batchCount"}},
    {"POST", "/v1/jobs", job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"red"})"), "application/json",
     422, "validation_failed", {"/params/backgroundHex"}},
    {"POST", "/v1/jobs", job_body("expandimage", R"({"targetWidth":100,"targetHeight":100,"fillLeft":100})"),
     "application/json", 422, "validation_failed", {"/params/fillLeft"}},
    {"POST", "/v1/jobs", job_body("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"custom"})"),
     "application/json", 422, "validation_failed", {"/params/textDescription", "/params/imageSize"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, "/etc/passwd"), "application/json", 422, "validation_failed",
     {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, images_ + "/../outside/secret.png"), "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, images_ + "/link.png"), "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, images_ + "/notes.txt"), "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, images_ + "/missing.png"), "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"POST", "/v1/jobs", job_body("aipose", ok_params, "relative/shirt.png"), "application/json", 422,
     "validation_failed", {"/input/originalImage"}},
    {"GET", "/v1/jobs/01900000-0000-7000-8000-000000000000", "", "", 404, "not_found"},
    {"GET", "/v1/jobs/../../etc/passwd", "", "", 404, "not_found"},
    {"GET", "/v1/nothing", "", "", 404, "not_found"},
    {"DELETE", "/v1/jobs", "", "", 405, "method_not_allowed"},
    {"PUT", "/healthz", "", "", 405, "method_not_allowed"},
    {"GET", "/v1/jobs?limit=0", "", "", 422, "validation_failed", {"/query/limit"}},
    {"GET", "/v1/jobs?limit=501", "", "", 422, "validation_failed", {"/query/limit"}},
    {"GET", "/v1/jobs?state=done", "", "", 422, "validation_failed", {"/query/state"}},
    {"GET", "/v1/jobs?agent=dalle", "", "", 422, "validation_failed", {"/query/agent"}},
    {"GET", "/v1/jobs?cursor=forged", "", "", 400, "invalid_cursor"},
    {"POST", "/v1/jobs/01900000-0000-7000-8000-000000000000/cancel", "", "", 404, "not_found"},
    {"POST", "/v1/jobs", std::string(17 * 1024 * 1024, ' '), "application/json", 413, "payload_too_large"},
  };
  ASSERT_GE(cases.size(), 25u);
  for (const auto& c : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.content_type.empty())
      headers.emplace_back("Content-Type", c.content_type);
    const auto r = daemon_->call(c.method, c.path, c.body, headers);
    const auto what = c.method + " " + c.path + " " + c.body.substr(0, 120);
    ASSERT_EQ(r.status, c.status) << what << "\n" << json::serialize(r.body);
    EXPECT_EQ(r.body.at("error").at("code"), json::value(c.code)) << what;
    EXPECT_FALSE(r.body.at("error").at("message").as_string().empty()) << what;
    if (!c.fields.empty()) {
      std::multiset<std::string> got, want(c.fields.begin(), c.fields.end());
      for (const auto& d : r.body.at("error").at("details").as_array())
        got.insert(std::string(d.at("field").as_string()));
      EXPECT_EQ(got, want) << what;
    }
    if (c.status == 405) {
      EXPECT_FALSE(r.header("Allow").empty()) << what;
    }
  }
  // A header over the limit, on any route.
  const auto big = daemon_->call("GET", "/healthz", "", {{"X-Big", std::string(20 * 1024, 'h')}});
  EXPECT_EQ(big.status, 431u);
  EXPECT_EQ(job_count(), 0u);
  EXPECT_EQ(sim_->stats().at("runs_created"), 0);
}

TEST_F(Daemon, IdempotencyKeys)
{
  start();
  const auto body = job_body("aipose", R"({"textDescription":"sit"})");
  const auto reordered = R"({"params":{"textDescription":"sit"},"input":{"originalImage":"https://x.test/a.png"},"agent":{"version":"v1.0","name":"aipose"}})";
  // A refused request does not consume the key.
  EXPECT_EQ(post_job(job_body("aipose", "{}"), {{"Idempotency-Key", "k1"}}).status, 422u);
  const auto first = post_job(body, {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(first.status, 201u);
  const auto again = post_job(reordered, {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body.at("id"), first.body.at("id"));
  const auto other = post_job(job_body("aipose", R"({"textDescription":"stand"})"), {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(other.status, 409u);
  EXPECT_EQ(other.body.at("error").at("code"), "conflict");
  EXPECT_EQ(job_count(), 1u);

  // Concurrent requests with one key create one job.
  std::vector<std::thread> clients;
  std::vector<test::api_reply> replies(8);
  for (std::size_t i = 0; i < replies.size(); ++i)
    clients.emplace_back([&, i] { replies[i] = post_job(body, {{"Idempotency-Key", "k2"}}); });
  for (auto& t : clients)
    t.join();
  std::set<std::string> ids;
  int created = 0;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.status == 201u || r.status == 200u) << r.status;
    created += r.status == 201u;
    ids.insert(std::string(r.body.at("id").as_string()));
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(job_count(), 2u);
}

TEST_F(Daemon, UpstreamFaultsLeadToTheDocumentedOutcomes)
{
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"status","status":429,"retry_after":1,"count":1}])");
  const auto limited = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "t-429"));
  auto job = daemon_->wait_terminal(std::string(limited.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  EXPECT_EQ(job.at("attempts"), 1);

  sim_->set_faults(R"([{"endpoint":"runs","kind":"reset_after_read","count":1}])");
  const auto reset = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "t-reset"));
  job = daemon_->wait_terminal(std::string(reset.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "failed");
  EXPECT_EQ(job.at("error").at("code"), "submit_outcome_unknown");
  EXPECT_EQ(job.at("error").at("retryable"), true);

  sim_->set_faults(R"([{"endpoint":"runs","kind":"api_error","code":"QUOTA_EXCEEDED","retryable":false,"count":1}])");
  const auto quota = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "t-quota"));
  job = daemon_->wait_terminal(std::string(quota.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "failed");
  EXPECT_EQ(job.at("error").at("code"), "QUOTA_EXCEEDED");

  sim_->set_faults(R"([{"endpoint":"run","kind":"unknown_status","count":2},{"endpoint":"run","kind":"status","status":503,"count":2}])");
  const auto odd = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "t-odd"));
  job = daemon_->wait_terminal(std::string(odd.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "succeeded") << json::serialize(job);

  sim_->set_faults(R"([{"endpoint":"runs","kind":"api_error","code":"FAILED_RUN","retryable":false,"count":0}])");
  const auto failing = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "sim:fail"));
  job = daemon_->wait_terminal(std::string(failing.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "failed");
  EXPECT_EQ(job.at("error").at("code"), "GENERATION_FAILED");

  // Exactly one run per job that reached submitting; none for the refused one.
  const auto by_task = sim_->stats().at("runs_by_task").as_object();
  EXPECT_EQ(by_task.at("t-429"), 1);
  EXPECT_EQ(by_task.at("t-reset"), 1);
  EXPECT_FALSE(by_task.contains("t-quota"));
  EXPECT_EQ(by_task.at("t-odd"), 1);
}

TEST_F(Daemon, ASlowUpstreamOnlyDelays)
{
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"latency","ms":1500,"count":1},
                      {"endpoint":"run","kind":"latency","ms":1500,"count":2}])");
  const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "slow"));
  const auto job = daemon_->wait_terminal(std::string(r.body.at("id").as_string()));
  EXPECT_EQ(job.at("state"), "succeeded") << json::serialize(job);
  EXPECT_EQ(sim_->stats().at("runs_by_task").at("slow"), 1);
}

TEST_F(Daemon, AgentInfoIsProxiedAndCached)
{
  start();
  const auto first = daemon_->call("GET", "/v1/agents/aimodel/info");
  ASSERT_EQ(first.status, 200u) << json::serialize(first.body);
  EXPECT_FALSE(first.body.at("info").at("locations").as_array().empty());
  EXPECT_EQ(daemon_->call("GET", "/v1/agents/aimodel/info?version=v1.0").body, first.body);
  EXPECT_EQ(sim_->stats().at("requests").at("info"), 1); // the second came from the cache
  EXPECT_EQ(daemon_->call("GET", "/v1/agents/nope/info").status, 404u);
  EXPECT_EQ(daemon_->call("GET", "/v1/agents/aimodel/info?version=v9").status, 404u);
  sim_->set_faults(R"([{"endpoint":"info","kind":"status","status":503}])");
  const auto down = daemon_->call("GET", "/v1/agents/removeBG/info");
  EXPECT_EQ(down.status, 502u);
  EXPECT_EQ(down.body.at("error").at("code"), "upstream_unavailable");
}

TEST_F(Daemon, AJobPastItsDeadlineFails)
{
  start({"--pending-ms", "600000"});
  EXPECT_EQ(post_job(job_body("aipose", R"({"textDescription":"x"})"), {}).status, 201u);
  const auto bad = daemon_->call("POST", "/v1/jobs?deadline=1", job_body("aipose", R"({"textDescription":"x"})"));
  EXPECT_EQ(bad.status, 422u);
  const auto r = daemon_->call("POST", "/v1/jobs?deadline=10", job_body("aipose", R"({"textDescription":"x"})"));
  ASSERT_EQ(r.status, 201u);
  const auto job = daemon_->wait_terminal(std::string(r.body.at("id").as_string()), std::chrono::seconds(40));
  EXPECT_EQ(job.at("state"), "failed");
  EXPECT_EQ(job.at("error").at("code"), "deadline_exceeded");
}

TEST_F(Daemon, AJobCaughtSubmittingByACrashIsNeverSentAgain)
{
  start();
  // WeShop takes the run and never answers: the job sits in `submitting`.
  sim_->set_faults(R"([{"endpoint":"runs","kind":"stall","count":1}])");
  const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "caught"));
  const std::string id(r.body.at("id").as_string());
  for (int i = 0; i < 100 && daemon_->call("GET", "/v1/jobs/" + id).body.at("state") != "submitting"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int i = 0; i < 100 && sim_->stats().at("runs_created") != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  daemon_->stop(SIGKILL);
  restart();
  const auto job = daemon_->call("GET", "/v1/jobs/" + id).body;
  EXPECT_EQ(job.at("state"), "failed");
  EXPECT_EQ(job.at("error").at("code"), "submit_outcome_unknown");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(sim_->stats().at("runs_by_task").at("caught"), 1);
}

// The explicit retry a submit_outcome_unknown job needs: a new linked job, one
// new run; only failed or canceled jobs; an Idempotency-Key makes it once.
TEST_F(Daemon, RetryingAFailedJobMakesOneLinkedJob)
{
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"reset_after_read","count":1}])");
  const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "retried"));
  const std::string id(r.body.at("id").as_string());
  const auto failed = daemon_->wait_terminal(id);
  ASSERT_EQ(failed.at("error").at("code"), "submit_outcome_unknown") << json::serialize(failed);
  EXPECT_TRUE(failed.at("retryOf").is_null());

  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "retry-once"}};
  const auto retry = daemon_->call("POST", "/v1/jobs/" + id + "/retry", "", key);
  ASSERT_EQ(retry.status, 201u) << json::serialize(retry.body);
  const std::string again(retry.body.at("id").as_string());
  EXPECT_NE(again, id);
  EXPECT_EQ(retry.body.at("retryOf"), json::value(id));
  EXPECT_EQ(retry.body.at("params"), failed.at("params"));
  EXPECT_EQ(retry.body.at("input"), failed.at("input"));
  const auto repeated = daemon_->call("POST", "/v1/jobs/" + id + "/retry", "", key);
  EXPECT_EQ(repeated.status, 200u);
  EXPECT_EQ(repeated.body.at("id"), json::value(again));

  const auto done = daemon_->wait_terminal(again);
  EXPECT_EQ(done.at("state"), "succeeded") << json::serialize(done);
  EXPECT_EQ(done.at("retryOf"), json::value(id));
  EXPECT_EQ(sim_->stats().at("runs_by_task").at("retried"), 2) << "the lost run, and the retry's";

  const auto not_failed = daemon_->call("POST", "/v1/jobs/" + again + "/retry");
  EXPECT_EQ(not_failed.status, 409u);
  EXPECT_EQ(not_failed.body.at("error").at("code"), "conflict");
  EXPECT_EQ(daemon_->call("POST", "/v1/jobs/01890000-0000-7000-8000-000000000000/retry").status, 404u);
  EXPECT_EQ(daemon_->call("POST", "/v1/jobs/nonsense/retry").status, 404u);
  EXPECT_EQ(sim_->stats().at("runs_by_task").at("retried"), 2);
}

TEST_F(Daemon, CancelingAQueuedJobSendsNothing)
{
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"status","status":429,"retry_after":30,"count":1}])");
  const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "queued-cancel"));
  const std::string id(r.body.at("id").as_string());
  for (int i = 0; i < 100 && daemon_->call("GET", "/v1/jobs/" + id).body.at("attempts") != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto canceled = daemon_->call("POST", "/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(canceled.status, 200u);
  EXPECT_EQ(canceled.body.at("state"), "canceled");
  EXPECT_FALSE(canceled.body.as_object().contains("note")); // no run exists
  EXPECT_EQ(sim_->stats().at("runs_created"), 0);
}

TEST_F(Daemon, PastTheIntakeCapItAnswers503)
{
  daemon_env_ = {"WESHOPD_ENGINE_MAX_WAITING_JOBS=2", "WESHOPD_ENGINE_MAX_CONCURRENT_SUBMITS=1"};
  start();
  sim_->set_faults(R"([{"endpoint":"runs","kind":"stall"}])"); // submits never finish
  EXPECT_EQ(post_job(job_body("aipose", R"({"textDescription":"1"})")).status, 201u);
  EXPECT_EQ(post_job(job_body("aipose", R"({"textDescription":"2"})")).status, 201u);
  const auto over = post_job(job_body("aipose", R"({"textDescription":"3"})"));
  EXPECT_EQ(over.status, 503u);
  EXPECT_EQ(over.body.at("error").at("code"), "overloaded");
  EXPECT_FALSE(over.header("Retry-After").empty());
  EXPECT_EQ(job_count(), 2u);
}

// GET /healthz says what is running: the version CMake gave and the commit
// `weshopd --version` names (a short hash, or "unknown" outside a git tree).
TEST_F(Daemon, HealthzShowsTheVersionAndCommit)
{
  start();
  const auto health = daemon_->call("GET", "/healthz");
  ASSERT_EQ(health.status, 200u);
  EXPECT_EQ(health.body.at("version"), WESHOPD_VERSION);
  const auto commit = std::string(health.body.at("commit").as_string());
  EXPECT_TRUE(commit == "unknown" || (commit.size() >= 7 && commit.find_first_not_of("0123456789abcdef") == std::string::npos))
    << commit;
  const auto version = test::shell_run(WESHOPD_BINARY " --version", dir_.file("version.err"));
  EXPECT_EQ(version.out, "weshopd " WESHOPD_VERSION " (commit " + commit + ")\n");
}

TEST_F(Daemon, SighupDoesNotStopIt)
{
  start();
  ::kill(daemon_->pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(daemon_->call("GET", "/healthz").status, 200u);
}

// SIGTERM with nothing in flight: every part ends at once (no 100 ms polls,
// no deadline), and the last line says how long the shutdown took.
TEST_F(Daemon, SigtermStopsPromptlyAndLogsTheShutdownTime)
{
  start();
  EXPECT_EQ(daemon_->call("GET", "/healthz").status, 200u);
  const auto t0 = std::chrono::steady_clock::now();
  const int status = daemon_->stop(SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::ifstream log(dir_.file("daemon.log"));
  std::string line, stopped;
  while (std::getline(log, line))
    if (line.find("event=stopped ") != std::string::npos)
      stopped = line;
  ASSERT_FALSE(stopped.empty());
  EXPECT_NE(stopped.find("shutdown_ms="), std::string::npos) << stopped;
  EXPECT_EQ(stopped.find("shutdown_ms=-"), std::string::npos) << stopped;
  EXPECT_NE(stopped.find("drained=yes"), std::string::npos) << stopped;
}

TEST_F(Daemon, CancelAndWait)
{
  start({"--pending-ms", "3000", "--segmenting-ms", "100", "--running-ms", "100"});
  // Cancel a running job: it ends canceled and its run is no longer followed.
  const auto created = post_job(job_body("aipose", R"({"textDescription":"x"})"));
  const std::string id(created.body.at("id").as_string());
  for (int i = 0; i < 100 && daemon_->call("GET", "/v1/jobs/" + id).body.at("state") != "running"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto canceled = daemon_->call("POST", "/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(canceled.status, 200u) << json::serialize(canceled.body);
  EXPECT_EQ(canceled.body.at("state"), "canceled");
  EXPECT_FALSE(canceled.body.at("finishedAt").is_null());
  EXPECT_TRUE(canceled.body.as_object().contains("note"));
  EXPECT_EQ(daemon_->call("POST", "/v1/jobs/" + id + "/cancel").status, 200u); // again: still fine
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id + "?wait=30").body.at("state"), "canceled"); // terminal: at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));

  // ?wait returns at the job's next event, well before its limit.
  const auto next = post_job(job_body("aipose", R"({"textDescription":"y"})"));
  const std::string next_id(next.body.at("id").as_string());
  t0 = std::chrono::steady_clock::now();
  const auto changed = daemon_->call("GET", "/v1/jobs/" + next_id + "?wait=20").body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(6));
  EXPECT_NE(changed.at("state"), "queued");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + next_id + "?wait=61").status, 422u);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + next_id + "?wait=x").status, 422u);

  // A finished job cannot be canceled; the canceled one stayed canceled.
  ASSERT_EQ(daemon_->wait_terminal(next_id).at("state"), "succeeded");
  EXPECT_EQ(daemon_->call("POST", "/v1/jobs/" + next_id + "/cancel").status, 409u);
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body.at("state"), "canceled");
}

TEST_F(Daemon, RestartsLoseNothingAndSubmitNothingTwice)
{
  start({"--pending-ms", "300", "--segmenting-ms", "300", "--running-ms", "300"});
  std::set<std::string> acknowledged;
  std::mt19937 rng(std::random_device{}());
  int n = 0;
  // SIGTERM once, then SIGKILL at random moments, with jobs arriving throughout.
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < (round == 0 ? 200 : 25); ++i, ++n) {
      const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})", "https://x.test/a.png", "r-" + std::to_string(n)));
      ASSERT_EQ(r.status, 201u);
      acknowledged.insert(std::string(r.body.at("id").as_string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    daemon_->stop(round == 0 ? SIGTERM : SIGKILL);
    restart();
  }
  std::size_t unknown = 0;
  for (const auto& id : acknowledged) {
    const auto job = daemon_->wait_terminal(id, std::chrono::seconds(60));
    const auto state = job.at("state").as_string();
    ASSERT_TRUE(state == "succeeded" || state == "failed") << json::serialize(job);
    if (state == "failed") {
      EXPECT_EQ(job.at("error").at("code"), "submit_outcome_unknown") << json::serialize(job);
      ++unknown;
    }
  }
  EXPECT_EQ(job_count(), acknowledged.size());
  const auto stats = sim_->stats();
  for (const auto& kv : stats.at("runs_by_task").as_object())
    EXPECT_LE(kv.value().to_number<std::int64_t>(), 1) << kv.key() << " was submitted twice";
  std::cout << "[ restart ] " << acknowledged.size() << " jobs, " << unknown
            << " ended submit_outcome_unknown (killed while submitting)\n";
}

TEST_F(Daemon, PaginationOverAThousandJobs)
{
  start({"--pending-ms", "600000"}); // runs never finish: only the list matters
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto r = post_job(job_body("aipose", R"({"textDescription":"x"})"));
    ASSERT_EQ(r.status, 201u);
    ids.emplace_back(r.body.at("id").as_string());
  }
  std::reverse(ids.begin(), ids.end());
  std::vector<std::string> seen;
  std::string cursor;
  for (;;) {
    const auto page = daemon_->call("GET", "/v1/jobs?limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor)).body;
    for (const auto& j : page.at("jobs").as_array())
      seen.emplace_back(j.at("id").as_string());
    if (page.at("next_cursor").is_null())
      break;
    cursor = page.at("next_cursor").as_string();
  }
  EXPECT_EQ(seen, ids);
}
