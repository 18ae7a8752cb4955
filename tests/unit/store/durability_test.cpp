// Acknowledged means durable: a real process inserts jobs, prints each id once
// its insert is acknowledged, and is SIGKILLed mid-stream. Every printed id
// must be in the database afterwards, and the database must be intact.

#include "common/store_fixtures.hpp"
#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

extern char** environ;

using namespace weshopd;

TEST(Durability, EveryAcknowledgedInsertSurvivesSigkill)
{
  test::temp_dir dir;
  const auto path = dir.file("jobs.db");
  std::mt19937 rng(std::random_device{}());

  std::vector<std::string> acknowledged;
  for (int round = 0; round < 3; ++round) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string child = WESHOPD_DURABILITY_CHILD;
    char* argv[] = {const_cast<char*>(child.c_str()), const_cast<char*>(path.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, child.c_str(), &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);

    // Read acknowledgements until a random count, then kill without warning.
    const std::size_t kill_after = acknowledged.size() + 200 + rng() % 2000;
    std::string buffer;
    char chunk[4096];
    while (acknowledged.size() < kill_after) {
      const auto n = ::read(out[0], chunk, sizeof chunk);
      ASSERT_GT(n, 0) << "child ended early";
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        acknowledged.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
      }
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    // Ids acknowledged in the pipe before the kill count too.
    for (ssize_t n; (n = ::read(out[0], chunk, sizeof chunk)) > 0;) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        acknowledged.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
      }
    }
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  auto store = test::open_store(path);
  ASSERT_NE(store, nullptr);
  for (const auto& id : acknowledged)
    ASSERT_TRUE(store->get(id)) << "acknowledged job lost: " << id;
  store.reset();

  store::connection db({path});
  auto st = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->text(0), "ok");
}
