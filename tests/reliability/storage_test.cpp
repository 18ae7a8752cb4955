// The disk fails under a running weshopd (an LD_PRELOAD shim makes writes and
// syncs under the database's folder fail with ENOSPC, EIO or EROFS): intake
// answers 503 storage_unavailable and stores nothing half-way, reads go on,
// no acknowledged job is lost, jobs caught mid-way wait instead of being
// dropped, and when the disk is back the daemon carries on by itself. The
// database passes PRAGMA integrity_check afterwards.

#include "common/daemon_fixture.hpp"
#include "store/sqlite.hpp"

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

} // namespace
