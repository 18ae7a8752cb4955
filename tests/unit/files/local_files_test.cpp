// Local input files on a real filesystem: opened once beneath their root's
// handle (openat2, and the component walk it falls back to), checked by
// fstat, copied into weshopd's own folder within its quota.

#include "common/temp_dir.hpp"
#include "files/image_store.hpp"
#include "files/open_beneath.hpp"
#include "files/upload_roots.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace weshopd;
namespace fs = std::filesystem;

namespace {

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, 'p');

void write(const fs::path& p, const std::string& bytes)
{
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

class LocalFiles : public ::testing::Test {
protected:
  test::temp_dir dir_;
  fs::path root_ = dir_.path() / "root";
  fs::path outside_ = dir_.path() / "secret.txt";

  void SetUp() override
  {
    write(root_ / "a.png", png);
    write(root_ / "sub" / "b.png", png);
    write(outside_, "WESHOP_API_KEY=the-secret");
  }

  files::image_read read(const std::string& path, std::uint64_t max = 1024)
  {
    files::upload_roots roots({root_.string()});
    return roots.read(path, max);
  }
  std::string in_root(const std::string& name) { return (root_ / name).string(); }
};

TEST_F(LocalFiles, ARegularImageBeneathItsRootIsReadWhole)
{
  const auto got = read(in_root("sub/b.png"));
  ASSERT_TRUE(got) << got.problem;
  EXPECT_EQ(got.image->bytes, png);
  EXPECT_EQ(got.image->content_type, "image/png");
  EXPECT_EQ(got.image->sha256.size(), 64u);
  EXPECT_TRUE(read(in_root("./sub//b.png"))) << "lexically the same name";
}

TEST_F(LocalFiles, NamesThatLeaveTheRootAreRefused)
{
  EXPECT_EQ(read(in_root("../secret.txt")).problem, "must not contain \"..\"");
  EXPECT_EQ(read(outside_.string()).problem, "is outside uploads.roots");
  EXPECT_EQ(read("relative/a.png").problem, "must be an absolute path");
  EXPECT_EQ(read((root_.string() + "-other/a.png")).problem, "is outside uploads.roots") << "a sibling with the root's prefix";

  fs::create_symlink(outside_, root_ / "link.png"); // the last component
  EXPECT_EQ(read(in_root("link.png")).problem, "is a symbolic link (links are not followed)");
  fs::create_directory_symlink(dir_.path(), root_ / "up"); // a folder on the way, leading out
  EXPECT_EQ(read(in_root("up/secret.txt")).problem, "leads outside its uploads.roots folder");
  fs::create_directory_symlink("/proc/self", root_ / "proc");
  EXPECT_FALSE(read(in_root("proc/environ")));
  fs::create_directory_symlink("sub", root_ / "inside"); // a relative link that stays inside is fine
  EXPECT_TRUE(read(in_root("inside/b.png")));
}

TEST_F(LocalFiles, OnlyARegularFileWithinTheLimitIsTakenAndNothingBlocks)
{
  ASSERT_EQ(::mkfifo((root_ / "fifo.png").c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(read(in_root("fifo.png")).problem, "is a FIFO, not a regular file");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1)) << "a FIFO with no writer must not block";

  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto sock_path = (root_ / "sock.png").string();
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(read(sock_path).problem, "is not a regular file"); // a socket cannot even be opened
  ::close(s);

  if (::mknod((root_ / "null.png").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0) {
    EXPECT_EQ(read(in_root("null.png")).problem, "is a device, not a regular file");
  }
  fs::create_directory(root_ / "dir.png");
  EXPECT_EQ(read(in_root("dir.png")).problem, "is a folder, not a regular file");

  write(root_ / "big.png", png + std::string(2000, 'x'));
  EXPECT_EQ(read(in_root("big.png")).problem, "is larger than 1024 bytes");
  write(root_ / "empty.png", "");
  EXPECT_EQ(read(in_root("empty.png")).problem, "is empty");
  write(root_ / "notes.png", "just text");
  EXPECT_EQ(read(in_root("notes.png")).problem, "is not a PNG, JPEG or WebP image");
  EXPECT_EQ(read(in_root("missing.png")).problem, "no such file");
}

TEST_F(LocalFiles, TheWalkWithoutOpenat2KeepsTheSameRules)
{
  auto root = files::open_directory(root_.c_str());
  ASSERT_TRUE(root.fd);
  fs::create_symlink(outside_, root_ / "link.png");
  fs::create_directory_symlink(dir_.path(), root_ / "up");
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  const auto walk = [&](const char* name) { return files::open_beneath_walk(root.fd.get(), name, O_RDONLY); };
  EXPECT_TRUE(walk("sub/b.png").fd);
  EXPECT_EQ(walk("../secret.txt").error, EXDEV);
  EXPECT_EQ(walk("sub/../../secret.txt").error, EXDEV);
  EXPECT_EQ(walk("/etc/passwd").error, EXDEV);
  EXPECT_EQ(walk("link.png").error, ELOOP);
  EXPECT_EQ(walk("up/secret.txt").error, ENOTDIR) << "a symlinked folder is not followed (O_NOFOLLOW)";
  EXPECT_TRUE(walk("fifo").fd) << "opened without blocking; fstat refuses it";
  EXPECT_EQ(files::open_beneath(root.fd.get(), "../secret.txt", O_RDONLY).error, EXDEV);
}

TEST_F(LocalFiles, CopiesAreKeptByContentWithinTheQuota)
{
  files::image_store store({.dir = (dir_.path() / "copies").string(), .max_total_bytes = 250});
  const auto a = read(in_root("a.png"));
  ASSERT_TRUE(a);
  EXPECT_EQ(store.put(*a.image), files::put_outcome::stored);
  EXPECT_EQ(store.put(*a.image), files::put_outcome::stored) << "the same content is one file";
  EXPECT_EQ(store.total_bytes(), png.size());
  const auto path = store.path_of(a.image->sha256, "image/png");
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), png);
  const auto back = store.read(a.image->sha256, 1024);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->bytes, png);

  write(root_ / "c.png", png + "other content, larger than what is left");
  const auto c = read(in_root("c.png"));
  ASSERT_TRUE(c);
  EXPECT_EQ(store.put(*c.image), files::put_outcome::over_quota);
  EXPECT_FALSE(fs::exists(store.path_of(c.image->sha256, "image/png"))) << "nothing written";
  EXPECT_EQ(store.total_bytes(), png.size());

  // A new store over the same folder counts what is there.
  files::image_store reopened({.dir = store.dir(), .max_total_bytes = 250});
  EXPECT_EQ(reopened.total_bytes(), png.size());
}

TEST_F(LocalFiles, CopiesUnusedForTheKeepPeriodAreSweptAndTheQuotaFreed)
{
  files::image_store store({.dir = (dir_.path() / "copies").string(), .max_total_bytes = 1000, .keep = std::chrono::hours(1)});
  const auto a = read(in_root("a.png"));
  ASSERT_EQ(store.put(*a.image), files::put_outcome::stored);
  const auto path = store.path_of(a.image->sha256, "image/png");
  store.sweep(true);
  EXPECT_TRUE(fs::exists(path)) << "fresh";
  const timespec old[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), old, 0), 0);
  store.sweep(true);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(store.total_bytes(), 0u);
}

} // namespace
