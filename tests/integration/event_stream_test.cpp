// Server-Sent Events from a real weshopd: a job's transitions in order,
// resuming with Last-Event-ID without gap or repeat, filters, and a thousand
// clients on one job.

#include "common/daemon_fixture.hpp"
#include "common/sse_client.hpp"

#include <sys/resource.h>

#include <numeric>
#include <set>

using namespace weshopd;
namespace json = boost::json;

namespace {

class Events : public test::Daemon {
protected:
  std::string submit(const std::string& agent = "removeBG")
  {
    const auto body = agent == "removeBG"
                        ? job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})")
                        : job_body("expandimage", R"({"targetWidth":2048,"targetHeight":2048,"batchCount":1})");
    const auto r = post_job(body);
    EXPECT_EQ(r.status, 201u);
    return std::string(r.body.at("id").as_string());
  }

  static std::vector<std::string> names(const std::vector<test::sse_event>& events)
  {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(e.event);
    return out;
  }
};

TEST_F(Events, AJobsTransitionsInOrderThenTheStreamEnds)
{
  start();
  const auto id = submit();
  test::sse_client stream(daemon_->api(), "/v1/jobs/" + id + "/events");
  EXPECT_EQ(stream.status(), 200u);
  EXPECT_NE(stream.head().find("Content-Type: text/event-stream"), std::string::npos) << stream.head();
  const auto events = stream.drain();
  EXPECT_TRUE(stream.ended()) << "the stream closes after the terminal event";
  EXPECT_EQ(names(events), (std::vector<std::string>{"queued", "submitting", "running", "succeeded"}));
  for (std::size_t i = 1; i < events.size(); ++i)
    EXPECT_LT(std::stoll(events[i - 1].id), std::stoll(events[i].id));
  const auto last = json::parse(events.back().data);
  EXPECT_EQ(last.at("id"), json::value(id));
  EXPECT_EQ(last.at("state"), "succeeded");
  EXPECT_FALSE(last.at("results").as_array().empty());

  // A finished job's stream replays and ends; after its last event it is empty.
  test::sse_client again(daemon_->api(), "/v1/jobs/" + id + "/events", std::stoll(events[1].id));
  EXPECT_EQ(names(again.drain()), (std::vector<std::string>{"running", "succeeded"}));
  test::sse_client done(daemon_->api(), "/v1/jobs/" + id + "/events", std::stoll(events.back().id));
  EXPECT_TRUE(done.drain(std::chrono::seconds(2)).empty());
  EXPECT_TRUE(done.ended());
}

TEST_F(Events, ResumingWithLastEventIdLosesAndRepeatsNothing)
{
  start();
  constexpr int jobs = 20; // four events each: queued, submitting, running, succeeded
  std::vector<std::string> ids;
  std::vector<std::int64_t> seen;
  {
    test::sse_client first(daemon_->api(), "/v1/events");
    for (int i = 0; i < jobs; ++i)
      ids.push_back(submit());
    for (int i = 0; i < 30; ++i) {
      const auto e = first.next();
      ASSERT_TRUE(e);
      seen.push_back(std::stoll(e->id));
    }
  } // disconnects mid-way while jobs are still moving
  test::sse_client second(daemon_->api(), "/v1/events", seen.back());
  while (seen.size() < jobs * 4) {
    const auto e = second.next();
    ASSERT_TRUE(e) << "after " << seen.size() << " events";
    seen.push_back(std::stoll(e->id));
  }
  std::vector<std::int64_t> expected(jobs * 4);
  std::iota(expected.begin(), expected.end(), 1); // every event row of a fresh database, once, in order
  EXPECT_EQ(seen, expected);
  EXPECT_FALSE(second.next(std::chrono::milliseconds(300)));
  for (const auto& id : ids)
    EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).body.at("state"), "succeeded");
}

TEST_F(Events, FiltersAndBadRequests)
{
  start();
  test::sse_client done(daemon_->api(), "/v1/events?state=succeeded&agent=removeBG");
  const auto a = submit();
  submit("expandimage");
  const auto b = submit();
  std::set<std::string> got;
  for (int i = 0; i < 2; ++i) {
    const auto e = done.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event, "succeeded");
    got.insert(std::string(json::parse(e->data).at("id").as_string()));
  }
  EXPECT_EQ(got, (std::set<std::string>{a, b}));
  EXPECT_FALSE(done.next(std::chrono::seconds(1))) << "the expandimage job is filtered out";

  EXPECT_EQ(test::sse_client(daemon_->api(), "/v1/events?state=bogus").status(), 422u);
  EXPECT_EQ(test::sse_client(daemon_->api(), "/v1/events?agent=nope").status(), 422u);
  EXPECT_EQ(test::sse_client(daemon_->api(), "/v1/jobs/01a21582-1533-71db-9b4d-284f1ffa13da/events").status(), 404u);
  EXPECT_EQ(daemon_->call("GET", "/v1/events", "", {{"Last-Event-ID", "abc"}}).body.at("error").at("code"),
            "invalid_last_event_id");
  EXPECT_EQ(daemon_->call("POST", "/v1/events").status, 405u);
}

TEST_F(Events, HeadersAtOnceAndHeartbeatsWhileIdle)
{
  daemon_env_ = {"WESHOPD_API_HEARTBEAT_SECONDS=1"};
  start();
  test::sse_client idle(daemon_->api(), "/v1/events"); // the constructor waits for the head
  EXPECT_EQ(idle.status(), 200u);
  EXPECT_FALSE(idle.next(std::chrono::milliseconds(2500)));
  EXPECT_GE(idle.comments(), 3) << "the first comment at once, then one per second";
  EXPECT_FALSE(idle.ended());

  // An open stream does not hold up a clean stop; it just ends.
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon_->stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(3));
  EXPECT_FALSE(idle.next(std::chrono::seconds(1)));
  EXPECT_TRUE(idle.ended());
}

TEST_F(Events, AThousandClientsOnOneJobAllSeeItsEnd)
{
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096); // 1,000 sockets here; the daemon raises its own
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  ASSERT_GE(files.rlim_cur, 2100u);

  // Room for 1,000 streams beside plain requests (the defaults are 256 of 1,024).
  daemon_env_ = {"WESHOPD_LIMITS_MAX_STREAMS=1000", "WESHOPD_LIMITS_MAX_CONNECTIONS=1100"};
  // A run long enough to outlast 1,000 connects on a loaded machine (ASan, 2 cores).
  start({"--pending-ms", "500", "--segmenting-ms", "500", "--running-ms", "8000"});
  const auto id = submit();
  std::vector<std::unique_ptr<test::sse_client>> clients;
  for (int i = 0; i < 1000; ++i)
    clients.push_back(std::make_unique<test::sse_client>(daemon_->api(), "/v1/jobs/" + id + "/events"));
  EXPECT_NE(daemon_->call("GET", "/v1/jobs/" + id).body.at("state"), "succeeded") << "the run should outlast the connects";
  int ended_with_success = 0;
  for (auto& c : clients) {
    const auto events = c->drain(std::chrono::seconds(20));
    if (!events.empty() && events.back().event == "succeeded" && c->ended())
      ++ended_with_success;
  }
  EXPECT_EQ(ended_with_success, 1000);
}

} // namespace
