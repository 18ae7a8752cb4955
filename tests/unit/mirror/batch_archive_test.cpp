// A batch's ZIP on a real filesystem: copies under a real mirror root, the
// archive read back with libzip and with an independent reader (Python's
// zipfile, a real process), names and bytes (SHA-256) equal to the copies;
// links out of the root, missing copies and copies that vanish mid-write are
// left out and named; an archive of no entries is a valid ZIP.

#include "mirror/batch_archive.hpp"

#include "common/sha256.hpp"
#include "common/shell_run.hpp"
#include "common/temp_dir.hpp"
#include "files/open_beneath.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace weshopd;
using namespace weshopd::mirror;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t n, unsigned seed)
{
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

void write(const fs::path& p, const std::string& bytes)
{
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// From the descriptor's offset to the end, as a route streaming it reads.
std::string read_on(int fd)
{
  std::string out;
  char chunk[65536];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) > 0;)
    out.append(chunk, static_cast<std::size_t>(n));
  return out;
}

// The whole file, whatever the offset (libzip's reads move the shared one).
std::string whole(int fd)
{
  ::lseek(fd, 0, SEEK_SET);
  return read_on(fd);
}

struct zip_entry_read {
  std::string name;
  std::string bytes;
  zip_uint16_t method = 0;
};

// The archive as libzip reads it (consistency checks on), from a copy of the descriptor.
std::vector<zip_entry_read> read_zip(int fd)
{
  int error = 0;
  zip_t* z = zip_fdopen(::dup(fd), ZIP_CHECKCONS, &error);
  EXPECT_NE(z, nullptr) << "libzip error " << error;
  std::vector<zip_entry_read> out;
  if (!z)
    return out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st);
    zip_entry_read e{st.name, std::string(st.size, '\0'), st.comp_method};
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    EXPECT_EQ(zip_fread(f, e.bytes.data(), e.bytes.size()), static_cast<zip_int64_t>(e.bytes.size()));
    zip_fclose(f);
    out.push_back(std::move(e));
  }
  zip_discard(z);
  return out;
}

class BatchArchive : public ::testing::Test {
protected:
  test::temp_dir dir_;
  fs::path root_ = dir_.path() / "results";
  fs::path temp_ = dir_.path() / "tmp";
  std::map<std::string, std::string> copies_; // relative path -> bytes

  void SetUp() override
  {
    fs::create_directories(temp_);
    add("job-a/0.png", random_bytes(200'000, 1));
    add("job-a/1.png", random_bytes(70'000, 2));
    add("job-b/0.jpg", random_bytes(1, 3));
    add("job-c/0.webp", "");
    write(dir_.path() / "secret.txt", "WESHOP_API_KEY=the-secret");
  }
  void add(const std::string& rel, const std::string& bytes)
  {
    write(root_ / rel, bytes);
    copies_[rel] = bytes;
  }
  detailed_result<archive_file> archive(const std::vector<archive_entry>& entries,
                                        const std::function<bool()>& stopping = {})
  {
    const auto root = files::open_directory(root_.c_str());
    EXPECT_TRUE(root.fd);
    return write_archive(root.fd.get(), entries, temp_.string(), stopping);
  }
  std::vector<archive_entry> all_entries() const
  {
    return {{"shirt-1.png", "job-a/0.png"}, {"shirt-2.png", "job-a/1.png"}, {"dress-1.jpg", "job-b/0.jpg"},
            {"empty-1.webp", "job-c/0.webp"}};
  }
};

} // namespace

TEST_F(BatchArchive, NamesAndBytesEqualTheCopiesStoredInOrder)
{
  const auto entries = all_entries();
  auto made = archive(entries);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_TRUE(made->skipped.empty());
  EXPECT_EQ(::lseek(made->fd.get(), 0, SEEK_CUR), 0) << "handed back rewound";
  struct stat st {};
  ASSERT_EQ(::fstat(made->fd.get(), &st), 0);
  EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), made->size);
  EXPECT_TRUE(fs::is_empty(temp_)) << "the archive has no name";
  EXPECT_EQ(read_on(made->fd.get()).size(), made->size) << "the descriptor reads the whole archive";

  const auto read = read_zip(made->fd.get());
  ASSERT_EQ(read.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(read[i].name, entries[i].name);
    EXPECT_EQ(sha256_hex(read[i].bytes), sha256_hex(copies_.at(entries[i].path))) << entries[i].name;
    EXPECT_EQ(read[i].method, ZIP_CM_STORE);
  }
}

TEST_F(BatchArchive, AnIndependentReaderAgrees)
{
  const std::vector<archive_entry> entries{{"façade-1.png", "job-a/0.png"}, {"衬衫-1.jpg", "job-b/0.jpg"}};
  auto made = archive(entries);
  ASSERT_TRUE(made) << made.error().message();
  const auto zip_path = dir_.file("out.zip");
  write(zip_path, whole(made->fd.get()));
  const auto r = test::shell_run("python3 -c 'import hashlib, sys, zipfile\n"
                                 "z = zipfile.ZipFile(sys.argv[1])\n"
                                 "assert z.testzip() is None\n"
                                 "for i in z.infolist():\n"
                                 "  print(i.filename, i.compress_type, oct(i.external_attr >> 16), i.flag_bits & 0x800,\n"
                                 "        hashlib.sha256(z.read(i)).hexdigest())' " +
                                   zip_path,
                                 dir_.file("python.err"));
  ASSERT_EQ(r.exit, 0) << r.err;
  // Stored (0), rw-r--r--, names flagged UTF-8 (0x800), the copies' bytes.
  EXPECT_EQ(r.out, "façade-1.png 0 0o100644 2048 " + sha256_hex(copies_.at("job-a/0.png")) +
                     "\n衬衫-1.jpg 0 0o100644 2048 " + sha256_hex(copies_.at("job-b/0.jpg")) + "\n");
}

TEST_F(BatchArchive, MissingCopiesAreLeftOutAndNamed)
{
  auto entries = all_entries();
  entries.insert(entries.begin() + 1, {"gone-1.png", "job-x/0.png"});
  entries.push_back({"gone-2.png", "job-a/7.png"});
  auto made = archive(entries);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(made->skipped, (std::vector<std::string>{"gone-1.png", "gone-2.png"}));
  const auto read = read_zip(made->fd.get());
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read[1].name, "shirt-2.png");
}

TEST_F(BatchArchive, LinksAndNamesLeadingOutOfTheRootAreRefused)
{
  fs::create_symlink(dir_.path() / "secret.txt", root_ / "job-a" / "2.png");       // the copy itself is a link
  fs::create_directory_symlink(dir_.path(), root_ / "job-d");                        // a job folder leading out
  fs::create_symlink(root_ / "job-a" / "0.png", root_ / "job-b" / "1.png");          // a link, even one inside
  ASSERT_EQ(::mkfifo((root_ / "job-b" / "2.png").c_str(), 0600), 0);                 // never read (it would block)
  std::vector<archive_entry> entries{{"link-1.png", "job-a/2.png"},     {"up-1.txt", "job-d/secret.txt"},
                                     {"dots-1.txt", "../secret.txt"},   {"abs-1.txt", (dir_.path() / "secret.txt").string()},
                                     {"inner-1.png", "job-b/1.png"},    {"fifo-1.png", "job-b/2.png"},
                                     {"folder-1.png", "job-a"},          {"ok-1.png", "job-a/0.png"}};
  auto made = archive(entries);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(made->skipped, (std::vector<std::string>{"link-1.png", "up-1.txt", "dots-1.txt", "abs-1.txt", "inner-1.png",
                                                     "fifo-1.png", "folder-1.png"}));
  const auto read = read_zip(made->fd.get());
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].name, "ok-1.png");
  for (const auto& e : read)
    EXPECT_EQ(e.bytes.find("the-secret"), std::string::npos);
}

TEST_F(BatchArchive, ACopyThatVanishesWhileWritingIsLeftOut)
{
  // `stopping` is asked before each read: the first read of shirt-1 removes
  // dress-1's copy, planned a moment before and not yet opened.
  bool removed = false;
  const auto remove_once = [&] {
    if (!removed)
      removed = fs::remove(root_ / "job-b" / "0.jpg");
    return false;
  };
  auto made = archive(all_entries(), remove_once);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_TRUE(removed);
  EXPECT_EQ(made->skipped, (std::vector<std::string>{"dress-1.jpg"}));
  const auto read = read_zip(made->fd.get());
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[2].name, "empty-1.webp");
  EXPECT_EQ(sha256_hex(read[0].bytes), sha256_hex(copies_.at("job-a/0.png")));
}

TEST_F(BatchArchive, NoEntriesIsAValidEmptyZip)
{
  for (const auto& entries : {std::vector<archive_entry>{}, std::vector<archive_entry>{{"gone-1.png", "nope/0.png"}}}) {
    auto made = archive(entries);
    ASSERT_TRUE(made) << made.error().message();
    EXPECT_EQ(made->skipped.size(), entries.size());
    EXPECT_EQ(made->size, 22u);
    EXPECT_TRUE(read_zip(made->fd.get()).empty());
    const auto zip_path = dir_.file("empty.zip");
    write(zip_path, whole(made->fd.get()));
    const auto r = test::shell_run("python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))' " +
                                     zip_path,
                                   dir_.file("python.err"));
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.out, "0\n");
  }
}

TEST_F(BatchArchive, ANameGivenTwiceIsRefused)
{
  auto made = archive({{"a-1.png", "job-a/0.png"}, {"a-1.png", "job-a/1.png"}});
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, boost::system::errc::invalid_argument);
}

TEST_F(BatchArchive, StoppingEndsTheWriting)
{
  auto made = archive(all_entries(), [] { return true; });
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, errc::shutting_down);
}

TEST_F(BatchArchive, ATempFolderThatDoesNotExistIsAnError)
{
  const auto root = files::open_directory(root_.c_str());
  auto made = write_archive(root.fd.get(), all_entries(), dir_.file("no-such-folder"));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, boost::system::errc::no_such_file_or_directory);
}
