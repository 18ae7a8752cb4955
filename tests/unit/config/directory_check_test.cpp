#include "config/config.hpp"
#include "config/directory_check.hpp"

#include "common/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

using namespace weshopd;
using namespace weshopd::config;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// A path under /home that no test machine has: what ProtectHome=tmpfs shows weshopd.
const std::string hidden_root = "/home/weshopd-test-absent-3f9c1e/images";

} // namespace

TEST(DirectoryCheck, AnOpenableDirectoryPasses)
{
  test::temp_dir dir;
  EXPECT_EQ(unopenable_directory(dir.path().string()), "");
  EXPECT_EQ(unwritable_directory(dir.path().string()), "");
  EXPECT_EQ(unwritable_directory(dir.file("not/yet/made")), "") << "a directory weshopd may create is fine";
}

TEST(DirectoryCheck, SaysWhyAndOnlyBlamesTheSandboxUnderHome)
{
  test::temp_dir dir;
  const auto absent = dir.file("absent");
  EXPECT_EQ(unopenable_directory(absent), absent + " cannot be opened as a directory (No such file or directory)");

  std::ofstream(dir.file("file")) << "x";
  EXPECT_THAT(unopenable_directory(dir.file("file")), HasSubstr("(Not a directory)"));
  EXPECT_THAT(unopenable_directory(dir.file("file")), Not(HasSubstr("ProtectHome")));
  EXPECT_THAT(unwritable_directory(dir.file("file/sub")), HasSubstr("(Not a directory)"));

  const auto hidden = unopenable_directory(hidden_root);
  EXPECT_THAT(hidden, HasSubstr(hidden_root + " cannot be opened as a directory (No such file or directory)"));
  EXPECT_THAT(hidden, HasSubstr("ProtectHome=tmpfs (or yes) may hide /home"));
  EXPECT_THAT(hidden, HasSubstr("ProtectHome=read-only"));
}

TEST(DirectoryCheck, TheHintFitsTheError)
{
  EXPECT_THAT(protect_home_hint("/home/alice/shop", EACCES), HasSubstr("ProtectHome=yes makes /home inaccessible"));
  EXPECT_THAT(protect_home_hint("/home/alice/shop", EACCES), HasSubstr("chmod o+x /home/alice"));
  EXPECT_THAT(protect_home_hint("/root/out", EROFS), HasSubstr("ProtectHome=read-only makes /root read-only"));
  EXPECT_THAT(protect_home_hint("/root/out", EROFS), HasSubstr("ReadWritePaths="));
  EXPECT_THAT(protect_home_hint("/run/user/1000/img", ENOENT), HasSubstr("may hide /run/user"));
  EXPECT_EQ(protect_home_hint("/srv/images", ENOENT), "");
  EXPECT_EQ(protect_home_hint("/homework/images", ENOENT), "") << "a prefix of the name is not the directory";
  EXPECT_EQ(protect_home_hint("/home/alice/a.png", ENOTDIR), "") << "not the sandbox's doing";
  EXPECT_TRUE(under_protected_home("/home"));
  EXPECT_TRUE(under_protected_home("/home/../root/x"));
  EXPECT_FALSE(under_protected_home("/run/users/x"));
}

TEST(DirectoryCheck, TheConfigurationNamesTheSettingOfAHiddenRoot)
{
  test::temp_dir dir;
  const auto r = load({.environment = {{"STATE_DIRECTORY", dir.path().string()}, {"WESHOPD_UPLOADS_ROOTS", hidden_root}}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "uploads.roots");
  EXPECT_THAT(r.errors[0].to_string(), HasSubstr("uploads.roots: " + hidden_root + " cannot be opened"));
  EXPECT_THAT(r.errors[0].to_string(), HasSubstr("ProtectHome="));
}
