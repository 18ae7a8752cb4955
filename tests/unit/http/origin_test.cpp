#include "common/image_type.hpp"
#include "http/origin.hpp"
#include "http/retry_after.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::http;

TEST(Origin, NormalisesSchemeHostAndPort)
{
  EXPECT_EQ(origin_of("https://OpenAPI.WeShop.ai/openapi/agent/runs")->to_string(), "https://openapi.weshop.ai");
  EXPECT_EQ(origin_of("https://openapi.weshop.ai:443/x"), origin_of("https://openapi.weshop.ai"));
  EXPECT_EQ(origin_of("http://127.0.0.1:8080/a")->to_string(), "http://127.0.0.1:8080");
  EXPECT_EQ(origin_of("https://[::1]:9443/")->to_string(), "https://[::1]:9443");
}

TEST(Origin, LookAlikesAreDifferentOrigins)
{
  const auto api = origin_of("https://openapi.weshop.ai");
  for (const char* other : {"http://openapi.weshop.ai", "https://openapi.weshop.ai:8443", "https://openapi.weshop.ai.evil.test",
                            "https://evil.test/openapi.weshop.ai", "https://weshop.ai", "https://xopenapi.weshop.ai"})
    EXPECT_NE(origin_of(other), api) << other;
}

TEST(Origin, RefusesWhatIsNotAnHttpOrigin)
{
  for (const char* bad : {"", "openapi.weshop.ai", "/openapi/agent/runs", "ftp://x.test/", "file:///etc/passwd",
                          "https://user:pw@openapi.weshop.ai/", "https://", "https://x.test:0/", "https://x.test:99999/"})
    EXPECT_FALSE(origin_of(bad)) << bad;
}

TEST(RetryAfter, SecondsAndHttpDates)
{
  using namespace std::chrono;
  const auto now = sys_days{2026y / 11 / 25} + 12h;
  EXPECT_EQ(parse_retry_after("120", now), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now), seconds(30));
  EXPECT_EQ(parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now), seconds(0)); // in the past
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), seconds::max());
  for (const char* bad : {"", "soon", "-5", "1.5", "Wed, 25 Nov 2026 12:00:30", "25 Nov 2026 12:00:30 GMT"})
    EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
}

TEST(ImageType, ByMagicBytesOnly)
{
  EXPECT_EQ(sniff_image_type(std::string("\x89PNG\r\n\x1a\n....", 12)), "image/png");
  EXPECT_EQ(sniff_image_type("\xff\xd8\xff\xe0....JFIF"), "image/jpeg");
  EXPECT_EQ(sniff_image_type(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), "image/webp");
  EXPECT_FALSE(sniff_image_type(std::string("RIFF\x10\x00\x00\x00WAVEfmt ", 16)));
  EXPECT_FALSE(sniff_image_type("GIF89a"));
  EXPECT_FALSE(sniff_image_type(""));
}
