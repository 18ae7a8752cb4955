// validate() as a whole: every violation at once, pointers, messages. The
// rules one by one are in guide_rules_test.cpp.

#include "weshop/validate.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>

using namespace weshopd::weshop;
namespace json = boost::json;

namespace {

std::string request(const std::string& agent, const std::string& params,
                    const std::string& input = R"({"originalImage":"https://x.test/a.png"})")
{
  return R"({"agent":{"name":")" + agent + R"(","version":"v1.0"},"input":)" + input + R"(,"params":)" + params + "}";
}

std::multiset<std::string> pointers(const std::string& body)
{
  std::multiset<std::string> out;
  for (const auto& v : validate(json::parse(body))) {
    EXPECT_FALSE(v.message.empty()) << v.pointer;
    out.insert(v.pointer);
  }
  return out;
}

} // namespace

TEST(Validate, ReportsEveryBrokenRuleAtOnce)
{
  // Three rules broken: at-least-one-of, custom mask, batchCount range.
  const auto body = request("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","batchCount":99})");
  EXPECT_EQ(pointers(body), (std::multiset<std::string>{"/params", "/params/customMask", "/params/batchCount"}));
}

TEST(Validate, PointersEscapeTildeAndSlash)
{
  const auto body = request("aipose", R"({"textDescription":"x","a/b~c":1})");
  EXPECT_EQ(pointers(body), (std::multiset<std::string>{"/params/a~1b~0c"}));
}

TEST(Validate, MessagesSayWhatIsExpected)
{
  const auto v = validate(json::parse(request("aipose", R"({"textDescription":"x","batchCount":40})")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message, "must be between 1 and 16");
}
