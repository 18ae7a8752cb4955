#include "common/secret.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace weshopd;

TEST(Secret, TokensAreLongUrlSafeAndDistinct)
{
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto t = random_token();
    EXPECT_EQ(t.size(), 43u); // 256 bits, unpadded base64url
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(random_token(16).size(), 22u); // 128 bits
}

TEST(Secret, ComparesWholeStrings)
{
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}
