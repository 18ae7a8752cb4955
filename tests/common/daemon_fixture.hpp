#pragma once
// The fixture of the end-to-end tests: a temp dir with a PKI and an images
// root, a weshop-sim and a weshopd started by the test; the daemon's log is
// printed when a test fails.

#include "common/daemon_process.hpp"
#include "common/test_key.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <iostream>

namespace weshopd::test {

// A whole file's bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Polls (20 ms apart, up to `limit`) until `done` holds.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(10))
{
  for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(20)) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

inline const std::string png(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(2000, 'p'));

class Daemon : public ::testing::Test {
protected:
  // Every end-to-end test is also a canary test: the run's key must not be in
  // the daemon's log or any byte of its database.
  void TearDown() override
  {
    const auto holds_key = [](const std::filesystem::path& file) {
      return read_file(file).find(test_api_key()) != std::string::npos;
    };
    for (const auto& file : std::filesystem::recursive_directory_iterator(dir_.path()))
      if (file.is_regular_file() &&
          (file.path().filename() == "daemon.log" || file.path().filename().string().starts_with("weshopd.db"))) {
        EXPECT_FALSE(holds_key(file.path())) << "the WeShop key leaked into " << file.path();
      }
  }

  ~Daemon() override
  {
    if (HasFailure()) { // the daemon's own account, for the CI log
      std::ifstream log(dir_.file("daemon.log"));
      std::cerr << "---- daemon.log ----\n" << log.rdbuf() << "--------------------\n";
    }
  }

  temp_dir dir_;
  sim_pki pki_ = make_sim_pki(dir_);
  std::string images_ = dir_.file("images");
  std::unique_ptr<sim_process> sim_;
  std::unique_ptr<daemon_process> daemon_;

  void start(std::vector<std::string> sim_flags = {"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "100"})
  {
    std::filesystem::create_directories(images_);
    std::ofstream(images_ + "/shirt.png", std::ios::binary) << png;
    sim_ = std::make_unique<sim_process>(pki_.cert, pki_.key, pki_.ca, sim_flags);
    restart();
  }

  std::vector<std::string> daemon_env_;    // extra WESHOPD_* settings for a test
  std::vector<std::string> daemon_prefix_; // a program the daemon runs under (see daemon_process)

  void restart()
  {
    daemon_ = std::make_unique<daemon_process>(*sim_, pki_, dir_.path().string(), images_, daemon_env_, daemon_prefix_);
  }

  std::string job_body(const std::string& agent, const std::string& params, const std::string& image = "https://x.test/a.png",
                       const std::string& task = "")
  {
    return R"({"agent":{"name":")" + agent + R"(","version":"v1.0"},"input":{"originalImage":")" + image + "\"" +
           (task.empty() ? "" : R"(,"taskName":")" + task + "\"") + R"(},"params":)" + params + "}";
  }

  api_reply post_job(const std::string& body, std::vector<std::pair<std::string, std::string>> extra = {})
  {
    extra.emplace_back("Content-Type", "application/json");
    return daemon_->call("POST", "/v1/jobs", body, extra);
  }

  std::size_t job_count()
  {
    std::size_t n = 0;
    std::string cursor;
    for (;;) {
      const auto page = daemon_->call("GET", "/v1/jobs?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor)).body;
      n += page.at("jobs").as_array().size();
      if (page.at("next_cursor").is_null())
        return n;
      cursor = page.at("next_cursor").as_string();
    }
  }
};


} // namespace weshopd::test
