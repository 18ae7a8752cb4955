// The browser guard's rules, one by one (the end-to-end view is in
// tests/integration/dashboard_test.cpp and tests/ui/).

#include "http/browser_guard.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

namespace {

incoming sent(std::string method, std::vector<header> headers)
{
  incoming r;
  r.method = std::move(method);
  r.path = "/v1/jobs";
  r.headers = std::move(headers);
  return r;
}

} // namespace

TEST(HostOf, TakesTheHostWithoutPortOrBrackets)
{
  EXPECT_EQ(host_of("127.0.0.1:8787"), "127.0.0.1");
  EXPECT_EQ(host_of("LocalHost"), "localhost");
  EXPECT_EQ(host_of("[::1]:8787"), "::1");
  EXPECT_EQ(host_of("[::1]"), "::1");
  EXPECT_EQ(host_of("weshopd.lan:80"), "weshopd.lan");
  for (const auto* bad : {"", ":8787", "a b", "[::1", "[nothost]:1", "[::1]x", "host:port", "host:123456", "a/b", "a@b"})
    EXPECT_FALSE(host_of(bad)) << bad;
}

TEST(BrowserGuard, LetsInOnlyNamesItAnswersTo)
{
  const browser_guard g({"WeShopd.LAN"});
  for (const auto* ok : {"127.0.0.1:1", "10.1.2.3", "[::1]:8787", "localhost:8787", "localhost.", "weshopd.lan:9"})
    EXPECT_TRUE(g.host_allowed(ok)) << ok;
  for (const auto* bad : {"evil.example", "localhost.evil.example", "weshopd.lan.evil.example", "127.0.0.1.nip.io", ""})
    EXPECT_FALSE(g.host_allowed(bad)) << bad;
}

TEST(BrowserGuard, AUnixSocketHasNoHostToCheck)
{
  const browser_guard g;
  EXPECT_FALSE(g.check(sent("GET", {{"Host", "anything"}}), true));
  EXPECT_EQ(g.check(sent("GET", {{"Host", "anything"}}), false)->status, 421u);
  EXPECT_EQ(g.check(sent("GET", {}), false)->status, 421u) << "no Host at all";
}

TEST(BrowserGuard, ReadsFromAnywhereButChangesOnlyFromItsOwnOrigin)
{
  const browser_guard g;
  const header host{"Host", "127.0.0.1:8787"};
  const header json{"Content-Type", "application/json; charset=utf-8"};
  EXPECT_FALSE(g.check(sent("GET", {host, {"Origin", "http://evil.example"}}), false)) << "the browser keeps the answer from it";
  EXPECT_FALSE(g.check(sent("POST", {host, json}), false)) << "not a browser";
  EXPECT_FALSE(g.check(sent("POST", {host}), false)) << "not a browser, no body (cancel)";
  EXPECT_FALSE(g.check(sent("POST", {host, json, {"Origin", "http://127.0.0.1:8787"}}), false));
  EXPECT_FALSE(g.check(sent("POST", {host, json, {"Origin", "HTTP://127.0.0.1:8787"}, {"Sec-Fetch-Site", "same-origin"}}), false));
  EXPECT_FALSE(g.check(sent("POST", {host, {"Content-Type", "image/png"}, {"Origin", "http://127.0.0.1:8787"}}), false));
  const std::vector<std::vector<header>> refused{
    {host, json, {"Origin", "http://evil.example"}},
    {host, json, {"Origin", "https://127.0.0.1:8787"}},
    {host, json, {"Origin", "http://127.0.0.1:8788"}},
    {host, json, {"Origin", "null"}},
    {host, json, {"Sec-Fetch-Site", "cross-site"}},
    {host, json, {"Sec-Fetch-Site", "same-site"}},
    {host, {"Content-Type", "text/plain"}, {"Origin", "http://127.0.0.1:8787"}},
    {host, {"Origin", "http://127.0.0.1:8787"}},
  };
  for (const auto& h : refused)
    for (const auto* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      const auto r = g.check(sent(method, h), false);
      ASSERT_TRUE(r) << method << " " << h.back().name << ": " << h.back().value;
      EXPECT_EQ(r->status, 403u);
      EXPECT_EQ(r->code, "cross_origin_refused");
    }
}
