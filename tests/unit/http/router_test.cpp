#include "http/router.hpp"

#include <gtest/gtest.h>

using weshopd::http::router;

namespace {

router<int> table()
{
  router<int> r;
  r.add("POST", "/v1/jobs", 1)
    .add("GET", "/v1/jobs", 2)
    .add("GET", "/v1/jobs/{id}", 3)
    .add("POST", "/v1/jobs/{id}/cancel", 4)
    .add("GET", "/healthz", 5);
  return r;
}

} // namespace

TEST(Router, MatchesMethodAndPatternWithCaptures)
{
  const auto r = table();
  auto m = r.find("GET", "/v1/jobs/0190abcd");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, 3);
  EXPECT_EQ(m.params.at("id"), "0190abcd");
  m = r.find("POST", "/v1/jobs/x/cancel");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, 4);
  EXPECT_EQ(*r.find("GET", "/v1/jobs").handler, 2);
  EXPECT_EQ(*r.find("POST", "/v1/jobs").handler, 1);
}

TEST(Router, WrongMethodListsTheAllowedOnes)
{
  const auto m = table().find("DELETE", "/v1/jobs");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.path_known());
  EXPECT_EQ(m.allow, (std::vector<std::string>{"POST", "GET"}));
  EXPECT_EQ(table().find("GET", "/v1/jobs/x/cancel").allow, std::vector<std::string>{"POST"});
}

TEST(Router, UnknownPathsAreNotFound)
{
  const auto r = table();
  for (const char* p : {"/", "", "/v1", "/v1/jobs/", "/v1/jobs//cancel", "/v1/jobs/x/y", "/healthz/", "/HEALTHZ",
                        "/v1/jobs/x/cancel/more"})
    EXPECT_FALSE(r.find("GET", p).path_known()) << p;
}
