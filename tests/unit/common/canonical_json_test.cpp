#include "common/canonical_json.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using weshopd::canonical_json;

TEST(CanonicalJson, IgnoresKeyOrderAndWhitespace)
{
  const auto a = boost::json::parse(R"({"b": 1, "a": {"y": [1, 2, {"q": 1, "p": 2}], "x": "s"}})");
  const auto b = boost::json::parse(R"({"a":{"x":"s","y":[1,2,{"p":2,"q":1}]},"b":1})");
  EXPECT_EQ(canonical_json(a), canonical_json(b));
  EXPECT_EQ(canonical_json(b), R"({"a":{"x":"s","y":[1,2,{"p":2,"q":1}]},"b":1})");
}

TEST(CanonicalJson, KeepsArrayOrderAndValues)
{
  EXPECT_NE(canonical_json(boost::json::parse("[1,2]")), canonical_json(boost::json::parse("[2,1]")));
  EXPECT_NE(canonical_json(boost::json::parse(R"({"a":1})")), canonical_json(boost::json::parse(R"({"a":"1"})")));
  EXPECT_EQ(canonical_json(boost::json::parse(R"({"k":"\u00e9\n"})")), "{\"k\":\"\u00e9\\n\"}");
}
