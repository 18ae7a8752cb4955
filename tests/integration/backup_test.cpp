// Online backup and restore through real processes: `weshopctl backup FILE`
// against a live weshopd (+ weshop-sim) writes a verified copy whose
// checksum is what it prints; only an admin token may (403 otherwise); one
// backup at a time (409); and a copy put back as the README says (stop,
// replace the database and its -wal/-shm, start) resumes the jobs it holds
// live, a job it holds in `submitting` becoming submit_outcome_unknown.

#include "common/shell_run.hpp"
#include "common/daemon_fixture.hpp"
#include "common/sha256.hpp"
#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstdio>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using test::tool_run;

std::string integrity(const std::string& path)
{
  store::connection db({path, true, "full", 5000});
  auto st = db.prepare("PRAGMA integrity_check");
  return st->step() ? st->text(0) : "no answer";
}

std::int64_t count_jobs(const std::string& path)
{
  store::connection db({path, true, "full", 5000});
  auto st = db.prepare("SELECT count(*) FROM jobs");
  return st->step() ? st->int64(0) : -1;
}

// A client that asks for a backup over the unix socket and reads nothing of
// it: once the socket's buffer (about 200 KiB) is full, the daemon's stream
// of a larger copy stalls, so the backup stays in progress until this closes.
class stalled_backup {
public:
  stalled_backup(const std::string& socket, const std::string& token)
  {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", socket.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    const auto request = "POST /v1/admin/backup HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                         "\r\nContent-Length: 0\r\n\r\n";
    connected_ = connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) > 0;
  }
  ~stalled_backup() { ::close(fd_); }
  bool connected() const { return connected_; }
  // Reads the status line's first bytes only (within 30 s): the copy was made and its stream began.
  bool answered_200()
  {
    const timeval limit{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    std::string head;
    char c = 0;
    while (head.size() < 12 && ::recv(fd_, &c, 1, 0) == 1)
      head += c;
    return head == "HTTP/1.1 200";
  }

private:
  int fd_ = -1;
  bool connected_ = false;
};

class Backup : public test::Daemon {
protected:
  const std::string admin_ = "admin-token-0123456789abcdef";
  const std::string shop_ = "shop-token-0123456789abcdef0";

  // Runs weshopctl with its arguments, as a shell would.
  tool_run ctl(const std::string& args)
  {
    const auto err_file = dir_.file("ctl.err");
    return test::shell_run("WESHOPD_API=" + daemon_->api() + " " + WESHOPCTL_BINARY + " " + args, err_file);
  }

  std::string state_of(const std::string& id, const std::string& token = "")
  {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty())
      h.emplace_back("Authorization", "Bearer " + token);
    const auto r = daemon_->call("GET", "/v1/jobs/" + id, "", h);
    return r.status == 200 ? std::string(r.body.at("state").as_string()) : "http " + std::to_string(r.status);
  }
};

} // namespace

TEST_F(Backup, WeshopctlWritesAVerifiedCopyOfALiveDaemonForAnAdminOnly)
{
  std::ofstream(dir_.file("tokens")) << "ops " << admin_ << " admin\nshop " << shop_ << "\n";
  std::ofstream(dir_.file("admin.token")) << admin_ << "\n";
  std::ofstream(dir_.file("shop.token")) << shop_ << "\n";
  const auto socket = dir_.file("api.sock");
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("tokens"), "WESHOPD_API_UNIX_SOCKET=" + socket};
  start();
  // 1.6 MB of jobs, so that a copy outgrows a socket's buffer (below).
  const auto text = std::string(16000, 'x');
  for (int i = 0; i < 100; ++i) {
    const auto r = post_job(job_body("aipose", R"({"textDescription":")" + text + R"(","batchCount":1})"),
                            {{"Authorization", "Bearer " + shop_}});
    ASSERT_EQ(r.status, 201u);
  }

  const auto file = dir_.file("copy.db");
  const auto made = ctl("backup " + file + " --token-file " + dir_.file("admin.token"));
  ASSERT_EQ(made.exit, 0) << made.err;
  const auto sha256 = sha256_hex(test::read_file(file));
  EXPECT_EQ(made.out, sha256 + "  " + file + "\n");
  EXPECT_NE(made.err.find(std::to_string(fs::file_size(file)) + " bytes"), std::string::npos) << made.err;
  FILE* p = ::popen(("sha256sum " + file).c_str(), "r"); // as an operator would check it
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  ::pclose(p);
  EXPECT_EQ(std::string(line), made.out);
  EXPECT_EQ(integrity(file), "ok");
  EXPECT_EQ(count_jobs(file), 100);
  EXPECT_GT(fs::file_size(file), 1u << 20);
  EXPECT_FALSE(fs::exists(file + ".partial"));
  for (const auto& entry : fs::directory_iterator(dir_.path())) // the daemon's temporary copy is gone
    EXPECT_EQ(entry.path().filename().string().find(".backup-"), std::string::npos) << entry.path();

  // An existing file is kept unless --force.
  const auto again = ctl("backup " + file + " --token-file " + dir_.file("admin.token"));
  EXPECT_EQ(again.exit, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(sha256_hex(test::read_file(file)), sha256);
  EXPECT_EQ(ctl("backup " + file + " --force --token-file " + dir_.file("admin.token")).exit, 0);

  // A token that is not admin: 403, nothing written.
  const auto refused = ctl("backup " + dir_.file("other.db") + " --token-file " + dir_.file("shop.token"));
  EXPECT_EQ(refused.exit, 1) << refused.err; // no copy was made
  EXPECT_NE(refused.err.find("forbidden"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_.file("other.db")));
  EXPECT_FALSE(fs::exists(dir_.file("other.db.partial")));
  const auto direct = daemon_->call("POST", "/v1/admin/backup", "", {{"Authorization", "Bearer " + shop_}});
  EXPECT_EQ(direct.status, 403u);
  EXPECT_EQ(direct.body.at("error").at("code"), "forbidden");

  // One at a time: while one copy's stream is stalled, another is 409.
  const auto admin_header = std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + admin_}};
  {
    stalled_backup first(socket, admin_);
    ASSERT_TRUE(first.connected());
    ASSERT_TRUE(first.answered_200());
    EXPECT_TRUE(test::eventually([&] {
      const auto second = daemon_->call("POST", "/v1/admin/backup", "", admin_header);
      return second.status == 409u && second.body.at("error").at("code") == "backup_in_progress";
    }));
  }
  // Once that client is gone, backups are taken again.
  EXPECT_TRUE(test::eventually([&] { return daemon_->call("POST", "/v1/admin/backup", "", admin_header).status == 200u; }));
  const auto metrics = daemon_->call("GET", "/metrics", "", admin_header).text;
  EXPECT_NE(metrics.find("weshopd_backups_total{result=\"ok\"}"), std::string::npos);
  EXPECT_NE(metrics.find("weshopd_backups_total{result=\"forbidden\"}"), std::string::npos);
  EXPECT_NE(metrics.find("weshopd_backups_total{result=\"in_progress\"}"), std::string::npos);
  EXPECT_NE(metrics.find("weshopd_backup_last_duration_seconds"), std::string::npos);
}

TEST_F(Backup, ARestoredCopyResumesItsLiveJobsAndFailsTheOneCaughtSubmitting)
{
  start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "3000"});
  const auto running = post_job(job_body("aipose", R"({"textDescription":"x","batchCount":1})", "https://x.test/a.png", "live"));
  const std::string running_id(running.body.at("id").as_string());
  ASSERT_TRUE(test::eventually([&] { return state_of(running_id) == "running"; })) << state_of(running_id);
  // WeShop takes the next run and never answers: that job sits in `submitting`.
  sim_->set_faults(R"([{"endpoint":"runs","kind":"stall","count":1}])");
  const auto caught = post_job(job_body("aipose", R"({"textDescription":"x","batchCount":1})", "https://x.test/a.png", "caught"));
  const std::string caught_id(caught.body.at("id").as_string());
  ASSERT_TRUE(test::eventually([&] { return state_of(caught_id) == "submitting" && sim_->stats().at("runs_created") == 2; }));

  // No tokens: a loopback client may take the backup.
  const auto file = dir_.file("copy.db");
  const auto made = ctl("backup " + file);
  ASSERT_EQ(made.exit, 0) << made.err;
  const auto later = post_job(job_body("aipose", R"({"textDescription":"later","batchCount":1})"));
  ASSERT_EQ(later.status, 201u);

  // The README's restore: stop, move the database and its -wal/-shm away, put the copy there, start.
  daemon_->stop();
  for (const auto* suffix : {"", "-wal", "-shm"})
    fs::remove(dir_.file(std::string("weshopd.db") + suffix));
  fs::copy_file(file, dir_.file("weshopd.db"));
  sim_->set_faults("[]");
  restart();

  const auto resumed = daemon_->wait_terminal(running_id, std::chrono::seconds(30));
  EXPECT_EQ(resumed.at("state"), "succeeded") << json::serialize(resumed);
  const auto unknown = daemon_->call("GET", "/v1/jobs/" + caught_id).body;
  EXPECT_EQ(unknown.at("state"), "failed") << json::serialize(unknown);
  EXPECT_EQ(unknown.at("error").at("code"), "submit_outcome_unknown");
  EXPECT_EQ(state_of(std::string(later.body.at("id").as_string())), "http 404"); // after the copy: not in it
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sim_->stats().at("runs_by_task").at("caught"), 1) << "never sent again";
}
