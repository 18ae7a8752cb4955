// Hostile and malformed JSON: request validation and envelope parsing answer
// with clear errors and never crash, throw or accept.

#include "weshop/envelope.hpp"
#include "weshop/run.hpp"
#include "weshop/validate.hpp"

#include <gtest/gtest.h>

using namespace weshopd::weshop;

namespace {

std::string nested(int depth)
{
  return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
}

// Each is a full request body as a client might send it.
const std::vector<std::string> hostile_requests{
  "",
  "   ",
  "null",
  "true",
  "42",
  "\"aimodel\"",
  "[]",
  "[{\"agent\":{\"name\":\"aimodel\"}}]",
  "{",
  "{\"agent\":",
  "{\"agent\":{\"name\":\"aimodel\"}",
  "{\"agent\":{\"name\":\"aimodel\"},}",
  "{'agent': 1}",
  "{}",
  "{\"agent\":null,\"input\":null,\"params\":null}",
  "{\"agent\":[],\"input\":[],\"params\":[]}",
  "{\"agent\":{},\"input\":{},\"params\":{}}",
  "{\"agent\":{\"name\":42},\"input\":{\"originalImage\":42}}",
  "{\"agent\":{\"name\":\"aimodel\",\"version\":1.0}}",
  "{\"agent\":{\"name\":\"aimodel\",\"name\":\"aipose\"}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":1e400}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":18446744073709551616}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":-9223372036854775809}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":18446744073709551615}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":NaN}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":\"x\",\"batchCount\":true}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":" + nested(30) + "}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":" + nested(100000) + "}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"textDescription\":{\"a\":{\"b\":{}}}}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"/tmp/a\\u0000.png\"},\"params\":{\"textDescription\":\"x\"}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"\"},\"params\":{\"textDescription\":\"x\"}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"javascript:alert(1)\"},\"params\":{\"textDescription\":\"x\"}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"file://evil.test/etc/passwd\"},\"params\":{\"textDescription\":\"x\"}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"http://\"},\"params\":{\"textDescription\":\"x\"}}",
  "{\"agent\":{\"name\":\"\\u0000aimodel\"}}",
  "{\"agent\":{\"name\":\"aimodel\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},\"params\":\"all\"}",
  "{\"agent\":{\"name\":\"removeBG\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"maskType\":\"custom\",\"backgroundId\":1,\"customMask\":\"====\"}}",
  "{\"agent\":{\"name\":\"removeBG\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"maskType\":[\"custom\"],\"backgroundHex\":[\"#ffffff\"]}}",
  "{\"agent\":{\"name\":\"expandimage\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},"
  "\"params\":{\"targetWidth\":9223372036854775807,\"targetHeight\":-9223372036854775807,\"fillLeft\":1e300}}",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},\"params\":{\"\":1}}",
  "\xef\xbb\xbf{}",
  "{\"agent\":{\"name\":\"aipose\xff\"}}",
  "{\"agent\":{\"name\":\"aipose\"}} trailing",
  "{\"agent\":{\"name\":\"aipose\"},\"input\":{\"originalImage\":\"https://x.test/a.png\"},\"params\":{\"textDescription\":\"\\ud800\"}}",
};

} // namespace

TEST(HostileJson, RequestsAreRefusedClearlyNeverAccepted)
{
  ASSERT_GE(hostile_requests.size(), 30u);
  for (const auto& text : hostile_requests) {
    const auto parsed = parse_json_limited(text);
    if (!parsed) {
      EXPECT_FALSE(parsed.error().message().empty());
      continue; // the API answers 400 invalid_json
    }
    const auto v = validate(*parsed); // a throw fails the test too
    EXPECT_FALSE(v.empty()) << "accepted: " << text.substr(0, 200);
    for (const auto& one : v)
      EXPECT_FALSE(one.message.empty()) << one.pointer;
  }
}

TEST(HostileJson, DeepNestingIsAParseErrorNotAStackOverflow)
{
  EXPECT_FALSE(parse_json_limited(nested(100000)));
  EXPECT_FALSE(parse_envelope(nested(100000)));
  EXPECT_TRUE(parse_json_limited(nested(60)));
}

TEST(HostileJson, EnvelopesThatAreNotEnvelopes)
{
  const std::vector<std::string> bad{
    "", "null", "[]", "\"ok\"", "{}", "{\"success\":\"true\"}", "{\"success\":1}", "{\"success\":null}",
    "{\"success\":false}", "{\"success\":false,\"error\":\"boom\"}", "{\"success\":false,\"error\":[1]}",
    "{\"success\":true", "<html>502 Bad Gateway</html>", nested(5000),
  };
  for (const auto& text : bad) {
    const auto env = parse_envelope(text); // a throw fails the test too
    ASSERT_FALSE(env) << text.substr(0, 100);
    EXPECT_EQ(env.error(), weshopd::errc::bad_envelope) << text.substr(0, 100);
  }
}

TEST(HostileJson, RunsThatAreNotRuns)
{
  const std::vector<std::string> bad{
    R"({"success":true})",
    R"({"success":true,"data":[]})",
    R"({"success":true,"data":{}})",
    R"({"success":true,"data":{"executions":{}}})",
    R"({"success":true,"data":{"executions":[1]}})",
    R"({"success":true,"data":{"executions":[{"status":"Success","result":"https://x"}]}})",
    R"({"success":true,"data":{"executions":[{"status":"Success","result":["https://x"]}]}})",
    R"({"success":false,"error":{"code":"E","message":"m","retryable":false}})",
  };
  for (const auto& text : bad) {
    auto env = parse_envelope(text);
    ASSERT_TRUE(env) << text;
    const auto r = parse_run(*env);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error(), weshopd::errc::bad_run) << text;
  }
}

TEST(HostileJson, OddButValidFieldsAreTolerated)
{
  // Wrong-typed optional fields do not make a run unreadable; they read as empty.
  auto env = parse_envelope(
    R"({"success":true,"data":{"agentName":7,"executions":[{"executionId":1,"status":["Running"],"result":null}]},"meta":[]})");
  ASSERT_TRUE(env);
  auto r = parse_run(*env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "");
  EXPECT_EQ(r->state, run_state::unknown);
  EXPECT_TRUE(r->results.empty());
}
