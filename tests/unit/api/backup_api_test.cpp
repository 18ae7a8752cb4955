// POST /v1/admin/backup's rules, on a real SQLite store: who may take a
// backup (admin token, unix socket, loopback without tokens), one at a time
// until the first answer's body is done with (409 backup_in_progress), and
// the body streamed is the copy the X-Weshopd-Sha256 header names.

#include "api/backup_api.hpp"

#include "common/run_sync.hpp"
#include "common/sha256.hpp"
#include "common/store_fixtures.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace weshopd;

namespace {

// principal: the token the request came with (none: no tokens are configured).
http::incoming request(std::string remote, std::string principal = {}, bool admin = false)
{
  http::incoming r;
  r.method = "POST";
  r.path = r.target = "/v1/admin/backup";
  r.remote = std::move(remote);
  r.principal = std::move(principal);
  r.admin = admin;
  return r;
}

std::string header(const http::outgoing& out, std::string_view name)
{
  for (const auto& h : out.headers)
    if (h.name == name)
      return h.value;
  return {};
}

std::string code_of(const http::outgoing& out)
{
  return std::string(boost::json::parse(out.body).at("error").at("code").as_string());
}

// Collects a streamed body.
struct collector : http::body_writer {
  std::string body;
  boost::asio::awaitable<bool> write(std::string_view data) override
  {
    body.append(data);
    co_return true;
  }
};

boost::asio::awaitable<int> drain(std::function<boost::asio::awaitable<void>(http::body_writer&)> stream,
                                  collector& into)
{
  co_await stream(into);
  co_return 0;
}

} // namespace

TEST(BackupApi, WhoMayTakeOneAndOnlyOneAtATime)
{
  test::temp_dir dir;
  auto s = test::open_store(dir.file("jobs.db"));
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->insert(test::make_job()));
  boost::asio::io_context io;
  api::backup_api backups(*s);
  const auto ask = [&](http::incoming r) { return test::run_sync(io, backups.backup(r)); };

  // With tokens: a token that is not admin, even on loopback, is refused.
  const auto refused = ask(request("127.0.0.1", "shop"));
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(code_of(refused), "forbidden");
  // Without tokens: loopback may, another address may not.
  EXPECT_EQ(ask(request("10.1.2.3")).status, 403u);
  EXPECT_EQ(ask(request("::ffff:127.0.0.1")).status, 200u);

  // An admin token: the copy, announced and streamed.
  auto first = ask(request("10.1.2.3", "ops", true));
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(first.content_type, "application/vnd.sqlite3");
  ASSERT_TRUE(first.stream);
  // Until that answer is done with, no other backup: not over the socket either.
  const auto second = ask(request("unix", "shop"));
  EXPECT_EQ(second.status, 409u);
  EXPECT_EQ(code_of(second), "backup_in_progress");
  collector out;
  test::run_sync(io, drain(first.stream, out));
  EXPECT_EQ(std::to_string(out.body.size()), header(first, "Content-Length"));
  EXPECT_EQ(sha256_hex(out.body), header(first, "X-Weshopd-Sha256"));
  EXPECT_EQ(out.body.substr(0, 16), std::string("SQLite format 3\0", 16));
  first = {};
  EXPECT_EQ(ask(request("unix", "shop")).status, 200u); // the socket may, once the first is over
}

// A state directory without room for a copy: 507 insufficient_storage, saying
// how much there is and how much a copy needs; with room again, the copy.
// Needs root and mount(2) for a small tmpfs; skipped, and says so, without.
TEST(BackupApi, NoRoomBesideTheDatabaseIs507)
{
  test::temp_dir dir;
  const auto mnt = dir.file("small-fs");
  std::filesystem::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=8m weshopd-test " + mnt + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)";
  struct unmount {
    std::string path;
    ~unmount() { [[maybe_unused]] const int rc = std::system(("umount -l " + path).c_str()); }
  } cleanup{mnt};
  auto s = test::open_store(mnt + "/jobs.db");
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->insert(test::make_job()));
  boost::asio::io_context io;
  api::backup_api backups(*s);
  auto request_from_loopback = request("127.0.0.1");

  const auto refused = test::run_sync(io, backups.backup(request_from_loopback));
  EXPECT_EQ(refused.status, 507u);
  EXPECT_EQ(code_of(refused), "insufficient_storage");
  EXPECT_NE(refused.body.find("MiB free"), std::string::npos) << refused.body;
  for (const auto& entry : std::filesystem::directory_iterator(mnt)) // nothing was left there
    EXPECT_EQ(entry.path().filename().string().find(".backup-"), std::string::npos) << entry.path();

  ASSERT_EQ(std::system(("mount -o remount,size=64m " + mnt).c_str()), 0);
  EXPECT_EQ(test::run_sync(io, backups.backup(request_from_loopback)).status, 200u);
}
