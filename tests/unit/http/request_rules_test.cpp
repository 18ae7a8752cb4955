#include "http/request_rules.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

TEST(RequestRules, AWholeRequestBecomesAnIncoming)
{
  const auto r = parse_request("POST /v1/jobs/a%20b?wait=5&x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", 1024, 1024);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->method, "POST");
  EXPECT_EQ(r.request->path, "/v1/jobs/a b");
  EXPECT_EQ(r.request->query.at("wait"), "5");
  EXPECT_EQ(r.request->body, "{}");
  EXPECT_EQ(r.request->header_value("host"), "h");
}

TEST(RequestRules, RefusalsAreTheServers)
{
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nX: " + std::string(2000, 'x') + "\r\n\r\n", 1024, 1024).refusal.status, 431u);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 1024, 1024).refusal.status, 413u);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 1024, 1024).refusal.status,
            400u);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 1024, 1024).refusal.status, 400u);
  const auto partial = parse_request("GET / HTTP/1.1\r\nHost:", 1024, 1024);
  EXPECT_FALSE(partial.request);
  EXPECT_EQ(partial.refusal.status, 0u);
}
