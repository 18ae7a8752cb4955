// weshopctl's pure parts: the SSE reader, arguments -> request body, job text.

#include "cli/job_text.hpp"
#include "cli/local_client.hpp"
#include "cli/sse_reader.hpp"
#include "cli/submit_request.hpp"

#include "common/temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

using namespace weshopd::cli;
namespace json = boost::json;

TEST(SseReader, EventsSplitAnywhereComeOutWhole)
{
  const std::string stream = ": live\r\n\r\nid: 7\nevent: running\ndata: {\"a\":\ndata: 1}\n\nid:8\rdata: x\r\r: beat\n\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) { // every split point of the bytes
    sse_reader reader;
    auto events = reader.feed(stream.substr(0, cut));
    const auto rest = reader.feed(stream.substr(cut));
    events.insert(events.end(), rest.begin(), rest.end());
    ASSERT_EQ(events.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(events[0].id, "7");
    EXPECT_EQ(events[0].event, "running");
    EXPECT_EQ(events[0].data, "{\"a\":\n1}");
    EXPECT_EQ(events[1].id, "8");
    EXPECT_EQ(events[1].event, "") << "the event name does not carry over";
    EXPECT_EQ(events[1].data, "x");
  }
}

TEST(SubmitBody, ArgumentsBecomeTheRequest)
{
  weshopd::test::temp_dir dir;
  std::ofstream(dir.file("shirt.png")) << "x";
  submit_args a;
  a.agent = "virtualtryon";
  a.image = dir.file("shirt.png");
  a.inputs = {"fashionModelImage=https://x.test/m.png", "locationImage=" + dir.file("shirt.png")};
  a.params = {"batchCount=2", "textDescription=a \"quoted\" text", "flag=true", "list=[1,2]", "word=hello"};
  a.task = "t1";
  const auto body = submit_body(a);
  ASSERT_EQ(body.index(), 0u) << std::get<1>(body);
  EXPECT_EQ(json::serialize(std::get<0>(body)),
            json::serialize(json::parse(R"({"agent":{"name":"virtualtryon","version":"v1.0"},
              "input":{"originalImage":")" + dir.file("shirt.png") + R"(","fashionModelImage":"https://x.test/m.png",
                       "locationImage":")" + dir.file("shirt.png") + R"(","taskName":"t1"},
              "params":{"batchCount":2,"textDescription":"a \"quoted\" text","flag":true,"list":[1,2],"word":"hello"}})")));
}

TEST(SubmitBody, BadArgumentsAreNamed)
{
  submit_args a;
  a.agent = "aipose";
  a.image = "/no/such/file.png";
  EXPECT_EQ(std::get<1>(submit_body(a)), "--image: no such file: /no/such/file.png");
  a.image = "https://x.test/a.png";
  a.params = {"batchCount"};
  EXPECT_EQ(std::get<1>(submit_body(a)), "--param needs NAME=VALUE, not \"batchCount\"");
  a.params = {};
  a.inputs = {"=x"};
  EXPECT_EQ(std::get<1>(submit_body(a)), "--input needs NAME=VALUE, not \"=x\"");
}

TEST(LocalAddress, TcpAndUnixForms)
{
  EXPECT_EQ(local_address::parse("http://127.0.0.1:8787/")->port, 8787);
  EXPECT_EQ(local_address::parse("localhost:1")->host, "localhost");
  EXPECT_EQ(local_address::parse("[::1]:9")->host, "::1");
  EXPECT_EQ(local_address::parse("unix:/run/weshopd/api.sock")->unix_socket, "/run/weshopd/api.sock");
  EXPECT_EQ(local_address::parse("/run/x.sock")->unix_socket, "/run/x.sock");
  for (const auto* bad : {"127.0.0.1", "http://h:0", "h:70000", "h:12x", ":80"})
    EXPECT_FALSE(local_address::parse(bad)) << bad;
}

TEST(JobText, ProgressFollowsTheStepsAndTheEnd)
{
  const auto line = [](const char* state, const char* upstream, unsigned frame = 0) {
    return progress_line(json::parse(std::string(R"({"id":"J","agent":{"name":"aipose"},"state":")") + state +
                                     R"(","upstream":{"status":)" + upstream + "}}")
                           .as_object(),
                         frame);
  };
  EXPECT_NE(line("queued", "null").find("[......] |"), std::string::npos) << line("queued", "null");
  EXPECT_NE(line("submitting", "null", 1).find("[##....] /"), std::string::npos);
  EXPECT_NE(line("running", "\"Segmenting\"").find("[####..]"), std::string::npos);
  EXPECT_NE(line("succeeded", "\"Success\"").find("[######] ok succeeded"), std::string::npos);
  EXPECT_NE(line("failed", "\"Failed\"").find("[######] !! failed"), std::string::npos);
}

TEST(JobText, AReplayedEventShowsOnlyWhatBelongsToIt)
{
  const auto job = json::parse(R"({"id":"J","state":"running","updatedAt":"T","upstream":{"status":"Pending"}})").as_object();
  EXPECT_EQ(event_line(job, "running"), "T J running upstream=Pending");
  EXPECT_EQ(event_line(job, "queued"), "J queued (replayed)");
}

TEST(JobText, WarningsAreShownWithTheirPointer)
{
  const auto job = json::parse(R"({"id":"J","state":"queued","agent":{"name":"aimodel","version":"v1.0"},"upstream":{},
    "warnings":[{"pointer":"/params/customMaskUrl","message":"is used only when maskType is custom"}]})").as_object();
  EXPECT_NE(describe(job).find("warning   /params/customMaskUrl is used only when maskType is custom\n"), std::string::npos)
    << describe(job);
}

TEST(JobText, TimeLeftFromExpectedFinishAtWhileRunning)
{
  const auto now = weshopd::from_unix_ms(1'800'000'000'000); // 2027-01-15T08:00:00.000Z
  const auto job = [](const char* state, const char* at) {
    return json::parse(std::string(R"({"id":"J","state":")") + state + R"(","expectedFinishAt":)" + at + "}").as_object();
  };
  EXPECT_EQ(time_left(job("running", R"("2027-01-15T08:00:12.400Z")"), now), "about 12 s left");
  EXPECT_EQ(time_left(job("running", R"("2027-01-15T08:05:00.000Z")"), now), "about 5 min left");
  EXPECT_EQ(time_left(job("running", R"("2027-01-15T07:59:59.000Z")"), now), "finishing any moment");
  EXPECT_EQ(time_left(job("running", "null"), now), "");
  EXPECT_EQ(time_left(job("succeeded", R"("2027-01-15T08:00:12.400Z")"), now), "");
  EXPECT_NE(event_line(job("running", R"("2027-01-15T08:00:12.400Z")"), "running").find("expected_end=2027-01-15T08:00:12.400Z"),
            std::string::npos);
}
