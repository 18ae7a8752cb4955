#include "http/forwarded.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

namespace {

incoming from(std::string remote, std::vector<header> headers)
{
  incoming r;
  r.remote = std::move(remote);
  r.headers = std::move(headers);
  return r;
}

const std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};

} // namespace

TEST(Forwarded, HeadersFromAnUntrustedPeerAreIgnored)
{
  EXPECT_EQ(client_address(from("203.0.113.9", {{"X-Forwarded-For", "1.2.3.4"}}), proxies), "203.0.113.9");
  EXPECT_EQ(client_address(from("203.0.113.9", {{"Forwarded", "for=1.2.3.4"}}), proxies), "203.0.113.9");
  EXPECT_EQ(client_address(from("127.0.0.1", {{"X-Forwarded-For", "1.2.3.4"}}), {}), "127.0.0.1");
}

TEST(Forwarded, ATrustedProxyNamesTheClient)
{
  EXPECT_EQ(client_address(from("127.0.0.1", {{"X-Forwarded-For", "198.51.100.7"}}), proxies), "198.51.100.7");
  EXPECT_EQ(client_address(from("127.0.0.1", {}), proxies), "127.0.0.1");
}

TEST(Forwarded, OnlyTheChainOfTrustedProxiesIsBelieved)
{
  // The client wrote "6.6.6.6" itself; 198.51.100.7 reached our proxies.
  EXPECT_EQ(client_address(from("127.0.0.1", {{"X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.0.0.2"}}), proxies),
            "198.51.100.7");
}

TEST(Forwarded, Rfc7239Elements)
{
  EXPECT_EQ(client_address(from("127.0.0.1", {{"Forwarded", "for=198.51.100.7;proto=https"}}), proxies),
            "198.51.100.7");
  EXPECT_EQ(client_address(from("127.0.0.1", {{"Forwarded", R"(for="[2001:db8::1]:4711", for=10.0.0.2)"}}), proxies),
            "2001:db8::1");
  EXPECT_EQ(client_address(from("127.0.0.1", {{"Forwarded", "for=192.0.2.60:8080"}}), proxies), "192.0.2.60");
  // Forwarded wins over X-Forwarded-For when both are present.
  EXPECT_EQ(client_address(from("127.0.0.1", {{"X-Forwarded-For", "1.1.1.1"}, {"Forwarded", "for=2.2.2.2"}}), proxies),
            "2.2.2.2");
}
