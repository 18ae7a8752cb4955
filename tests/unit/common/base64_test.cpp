#include "common/base64.hpp"

#include <gtest/gtest.h>

using weshopd::base64_decode;

TEST(Base64, DecodesRfc4648Vectors)
{
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("iVBORw0KGgo="), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(Base64, RefusesAnythingNotStrict)
{
  for (const char* bad : {"", "Zg", "Zg=", "Z===", "Zm9v\n", "Zm 9v", "Zm9v!A==", "=Zg=", "Zg==Zg==", "data:ab=="})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Base64, EncodesRfc4648VectorsAndRoundTrips)
{
  EXPECT_EQ(weshopd::base64_encode(""), "");
  EXPECT_EQ(weshopd::base64_encode("f"), "Zg==");
  EXPECT_EQ(weshopd::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(weshopd::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(weshopd::base64url_encode("\xfb\xff"), "-_8");
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  EXPECT_EQ(base64_decode(weshopd::base64_encode(all)), all);
}
