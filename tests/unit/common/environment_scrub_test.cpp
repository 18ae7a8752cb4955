#include "common/environment_scrub.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

using namespace weshopd;

// putenv() makes environ point into our own buffer, as the process's first
// environment points into its start-up block: the bytes there must be gone.
TEST(EnvironmentScrub, OverwritesTheValueWhereItLivesThenUnsets)
{
  static char entry[] = "WESHOPD_SCRUB_TEST=secret-value-1234";
  static char longer[] = "WESHOPD_SCRUB_TEST_OTHER=keep-me";
  ASSERT_EQ(::putenv(entry), 0);
  ASSERT_EQ(::putenv(longer), 0);

  scrub_environment_variable("WESHOPD_SCRUB_TEST");

  EXPECT_EQ(std::getenv("WESHOPD_SCRUB_TEST"), nullptr);
  const auto prefix = std::strlen("WESHOPD_SCRUB_TEST=");
  for (std::size_t i = prefix; i < sizeof entry - 1; ++i)
    EXPECT_EQ(entry[i], '\0') << "byte " << i << " of the value survived";
  ASSERT_NE(std::getenv("WESHOPD_SCRUB_TEST_OTHER"), nullptr); // a longer name is another variable
  EXPECT_STREQ(std::getenv("WESHOPD_SCRUB_TEST_OTHER"), "keep-me");
  ::unsetenv("WESHOPD_SCRUB_TEST_OTHER");
}

TEST(EnvironmentScrub, AnAbsentVariableIsFine)
{
  scrub_environment_variable("WESHOPD_SCRUB_NEVER_SET");
  EXPECT_EQ(std::getenv("WESHOPD_SCRUB_NEVER_SET"), nullptr);
}

TEST(EnvironmentScrub, TheCopyForgetsItToo)
{
  std::map<std::string, std::string> env{{"WESHOP_API_KEY", "k"}, {"HOME", "/root"}};
  scrub_environment_variable(env, "WESHOP_API_KEY");
  EXPECT_FALSE(env.contains("WESHOP_API_KEY"));
  EXPECT_EQ(env.at("HOME"), "/root");
  scrub_environment_variable(env, "WESHOP_API_KEY");
  EXPECT_EQ(env.size(), 1u);
}
