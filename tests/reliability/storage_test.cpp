// The disk fails under a running weshopd (an LD_PRELOAD shim makes writes and
// syncs under the database's folder fail with ENOSPC, EIO or EROFS): intake
// answers 503 storage_unavailable and stores nothing half-way, reads go on,
// no acknowledged job is lost, jobs caught mid-way wait instead of being
// dropped, and when the disk is back the daemon carries on by itself. The
// database passes PRAGMA integrity_check afterwards.

#include "common/daemon_fixture.hpp"
#include "store/sqlite.hpp"

#include <cstdlib>
#include <thread>

using namespace weshopd;
namespace json = boost::json;

namespace {

class Storage : public test::Daemon {
protected:
  std::string control_ = dir_.file("fault-fs-control");

  void disk(int error_number)
  {
    std::ofstream(control_) << error_number;
    std::this_thread::sleep_for(std::chrono::milliseconds(60)); // the shim re-reads every 20 ms
  }

  test::api_reply submit(int i)
  {
    return post_job(job_body("aipose", R"({"textDescription":"sit","batchCount":1})", "https://x.test/a.png",
                             "storage-" + std::to_string(i)));
  }
};

TEST_F(Storage, AFailingDiskRefusesCleanlyLosesNothingAndHealsByItself)
{
  std::filesystem::create_directories(dir_.file("db"));
  disk(0);
  daemon_env_ = {"WESHOPD_STORE_PATH=" + dir_.file("db/weshopd.db"), "LD_PRELOAD=" WESHOPD_FAULT_FS,
                 "FAULT_FS_DIR=" + dir_.file("db/"), "FAULT_FS_CONTROL=" + control_,
                 "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0"};
  start({"--pending-ms", "300", "--segmenting-ms", "300", "--running-ms", "300"});

  std::vector<std::string> acknowledged;
  int n = 0;
  for (; n < 10; ++n) {
    const auto r = submit(n);
    ASSERT_EQ(r.status, 201u);
    acknowledged.push_back(std::string(r.body.at("id").as_string()));
  }

  for (const int error_number : {28 /* ENOSPC */, 5 /* EIO */, 30 /* EROFS */}) {
    disk(error_number);
    for (int k = 0; k < 3; ++k, ++n) {
      const auto r = submit(n);
      EXPECT_EQ(r.status, 503u) << "errno " << error_number;
      EXPECT_EQ(r.body.at("error").at("code"), "storage_unavailable");
      EXPECT_FALSE(r.header("Retry-After").empty());
    }
    EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + acknowledged.front()).status, 200u) << "reads go on";
    std::this_thread::sleep_for(std::chrono::milliseconds(500)); // jobs try to move on meanwhile
    disk(0);
    bool healed = false;
    for (int k = 0; k < 100 && !healed; ++k, ++n) {
      const auto r = submit(n);
      if (r.status == 201) {
        healed = true;
        acknowledged.push_back(std::string(r.body.at("id").as_string()));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    EXPECT_TRUE(healed) << "errno " << error_number << ": intake did not come back by itself";
  }

  for (const auto& id : acknowledged)
    EXPECT_EQ(daemon_->wait_terminal(id).at("state"), "succeeded") << id;
  EXPECT_EQ(job_count(), acknowledged.size()) << "refused requests stored nothing";
  ASSERT_EQ(daemon_->stop(), 0);

  store::connection db({dir_.file("db/weshopd.db"), true});
  auto check = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check->step());
  EXPECT_EQ(check->text(0), "ok");
}

// The same with a real filesystem: a 2 MiB tmpfs that fills up, then grows.
// (Linux refuses `remount,ro` while the database is open for writing, so a
// read-only disk is the shim's EROFS above.) Needs root and mount(2);
// skipped, and says so, without.
TEST_F(Storage, ARealFilesystemThatFillsUp)
{
  const auto mnt = dir_.file("small-fs");
  std::filesystem::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=2m weshopd-test " + mnt + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the LD_PRELOAD test covers the logic";
  struct unmount {
    std::string path;
    ~unmount() { [[maybe_unused]] const int rc = std::system(("umount -l " + path).c_str()); }
  } cleanup{mnt};
  const auto remount = [&](const std::string& options) {
    ASSERT_EQ(std::system(("mount -o remount," + options + " " + mnt + " 2>&1").c_str()), 0) << options;
  };

  daemon_env_ = {"WESHOPD_STORE_PATH=" + mnt + "/weshopd.db"};
  start({"--pending-ms", "100", "--segmenting-ms", "100", "--running-ms", "100"});
  std::vector<std::string> acknowledged;
  const std::string padding(3000, 'p'); // bigger rows fill the disk sooner
  bool full = false;
  for (int i = 0; i < 5000 && !full; ++i) {
    const auto r = post_job(job_body("aipose", R"({"textDescription":")" + padding + R"(","batchCount":1})",
                                     "https://x.test/a.png", "fill-" + std::to_string(i)));
    if (r.status == 201)
      acknowledged.push_back(std::string(r.body.at("id").as_string()));
    else {
      EXPECT_EQ(r.status, 503u);
      EXPECT_EQ(r.body.at("error").at("code"), "storage_unavailable");
      full = true;
    }
  }
  ASSERT_TRUE(full) << "2 MiB should not hold 5,000 jobs";
  std::cout << "[ figures  ] the 2 MiB filesystem filled after " << acknowledged.size() << " jobs\n";
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + acknowledged.back()).status, 200u);

  remount("size=64m"); // space comes back
  const auto heals = [&](const std::string& what) {
    for (int k = 0; k < 100; ++k) {
      const auto r = post_job(job_body("aipose", R"({"textDescription":"sit"})"));
      if (r.status == 201) {
        acknowledged.push_back(std::string(r.body.at("id").as_string()));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "intake did not come back by itself after " << what;
    return false;
  };
  heals("space came back");

  for (const auto& id : acknowledged)
    EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(120)).at("state"), "succeeded") << id;
  ASSERT_EQ(daemon_->stop(), 0);
  store::connection db({mnt + "/weshopd.db", true});
  auto check = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check->step());
  EXPECT_EQ(check->text(0), "ok");
}

} // namespace
