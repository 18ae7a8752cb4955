#include "weshop/envelope.hpp"
#include "weshop/run.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace weshopd::weshop;
namespace json = boost::json;

TEST(Envelope, SuccessCarriesDataAndExecutionId)
{
  auto env = parse_envelope(R"({"success":true,"data":{"image":"https://cdn.test/u.png"},"meta":{"executionId":"e1"},"extra":1})");
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->success);
  EXPECT_EQ(env->data.at("image"), "https://cdn.test/u.png");
  EXPECT_EQ(env->execution_id, "e1");
  EXPECT_EQ(env->raw.at("extra"), 1); // unknown fields preserved
}

TEST(Envelope, ErrorCarriesCodeMessageRetryable)
{
  auto env = parse_envelope(R"({"success":false,"error":{"code":"RATE_LIMIT","message":"slow down","retryable":true}})");
  ASSERT_TRUE(env);
  EXPECT_FALSE(env->success);
  EXPECT_EQ(env->error.code, "RATE_LIMIT");
  EXPECT_EQ(env->error.message, "slow down");
  EXPECT_TRUE(env->error.retryable);
}

TEST(Envelope, RetryableOnlyWhenExplicitlyTrue)
{
  for (const char* v : {"\"true\"", "1", "null", "{}"}) {
    auto env = parse_envelope(std::string(R"({"success":false,"error":{"code":"X","retryable":)") + v + "}}");
    ASSERT_TRUE(env) << v;
    EXPECT_FALSE(env->error.retryable) << v;
  }
  auto env = parse_envelope(R"({"success":false,"error":{}})");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->error.code, "unknown_error");
}

TEST(Envelope, SuccessFlagDecidesNotTheShape)
{
  // success=true with an error member is still a success.
  auto env = parse_envelope(R"({"success":true,"data":null,"error":{"code":"X"}})");
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->success);
}

TEST(Envelope, ProducedEnvelopesParseBack)
{
  auto ok = to_envelope(json::value(make_success_envelope(json::object{{"image", "u"}}, "exec-9")));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->execution_id, "exec-9");
  auto bad = to_envelope(json::value(make_error_envelope({"QUOTA", "no credits", false})));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->error.code, "QUOTA");
  EXPECT_EQ(bad->error.message, "no credits");
}

TEST(Run, ReadsTheGuidesPollResponse)
{
  auto env = parse_envelope(R"({
    "success": true,
    "data": {
      "agentName": "aimodel", "agentVersion": "v1.0",
      "initParams": {"taskName": "optional", "originalImage": "https://x.test/a.png"},
      "executions": [
        {"executionId": "xxx", "status": "Running", "executionTime": "2026-04-01 10:00:00",
         "params": {}, "result": [{"status": "Success", "image": "https://cdn.test/1.png", "seed": 5}]}
      ]
    },
    "meta": {"executionId": "xxx"}})");
  ASSERT_TRUE(env);
  auto r = parse_run(*env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->execution_id, "xxx");
  EXPECT_EQ(r->agent_name, "aimodel");
  EXPECT_EQ(r->status, "Running");
  EXPECT_EQ(r->state, run_state::running);
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_EQ(r->results[0].image, "https://cdn.test/1.png");
  EXPECT_EQ(r->results[0].raw.at("seed"), 5);
  EXPECT_EQ(r->raw.at("initParams").at("taskName"), "optional");
}

TEST(Run, StatusFromTheMatchingExecutionResultsFromAll)
{
  auto env = parse_envelope(R"({"success":true,"meta":{"executionId":"b"},"data":{"executions":[
      {"executionId":"a","status":"Failed","result":[{"status":"Failed","image":""}]},
      {"executionId":"b","status":"Success","result":[{"status":"Success","image":"u1"},{"status":"Success","image":"u2"}]},
      {"executionId":"c","status":"Pending"}]}})");
  auto r = parse_run(*env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, run_state::success);
  ASSERT_EQ(r->results.size(), 3u);
  EXPECT_EQ(r->results[1].image, "u1");
  EXPECT_EQ(r->results[2].image, "u2");
}

TEST(Run, UnknownStatusKeptVerbatimAndNotTerminal)
{
  auto env = parse_envelope(R"({"success":true,"data":{"executions":[{"executionId":"z","status":"Upscaling"}]}})");
  auto r = parse_run(*env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "Upscaling");
  EXPECT_EQ(r->state, run_state::unknown);
  EXPECT_FALSE(is_terminal(r->state));
  EXPECT_EQ(r->execution_id, "z"); // taken from the execution when meta lacks it
  for (auto s : {"Pending", "Segmenting", "Running", "Success", "Failed"})
    EXPECT_NE(parse_run_state(s), run_state::unknown) << s;
  EXPECT_EQ(parse_run_state("success"), run_state::unknown); // exact spelling only
}

TEST(Run, RequestBodyMirrorsTheGuide)
{
  const auto body = make_run_request("aimodel", "v1.0", json::object{{"originalImage", "https://x.test/a.png"}},
                                     json::object{{"batchCount", 1}}, "https://hooks.test/cb/1/t");
  EXPECT_EQ(json::value(body), json::parse(R"({"agent":{"name":"aimodel","version":"v1.0"},
      "input":{"originalImage":"https://x.test/a.png"},"params":{"batchCount":1},
      "callbackUrl":"https://hooks.test/cb/1/t"})"));
  EXPECT_FALSE(make_run_request("aipose", "v1.0", {}, {}, std::nullopt).contains("callbackUrl"));
}
