// The sd_notify protocol as systemd sees it, with the test as the service
// manager: a datagram socket in NOTIFY_SOCKET and WATCHDOG_USEC set.
// READY=1 once serving, WATCHDOG=1 pings with a STATUS line at half the
// watchdog period from the event loop, STOPPING=1 on SIGTERM, RELOADING=1 and
// READY=1 around a reload (SIGHUP).

#include "common/daemon_fixture.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

using namespace weshopd;

namespace {

class ServiceNotify : public test::Daemon {
protected:
  int fd_ = -1;
  std::string path_ = dir_.file("notify.sock");

  void SetUp() override
  {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  void TearDown() override { ::close(fd_); }

  // Messages received within `window`.
  std::vector<std::string> receive(std::chrono::milliseconds window)
  {
    std::vector<std::string> out;
    const auto end = std::chrono::steady_clock::now() + window;
    for (auto now = std::chrono::steady_clock::now(); now < end; now = std::chrono::steady_clock::now()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count())) <= 0)
        break;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0)
        out.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

TEST_F(ServiceNotify, ReadyThenWatchdogPingsWithStatusThenStopping)
{
  daemon_env_ = {"NOTIFY_SOCKET=" + path_, "WATCHDOG_USEC=400000"};
  const auto started = std::chrono::steady_clock::now();
  start();
  const auto running = receive(std::chrono::milliseconds(1500));
  // Pings sent while start() waited for /healthz are in the socket too: at most one per 200 ms since the start.
  const auto most = static_cast<int>((std::chrono::steady_clock::now() - started) / std::chrono::milliseconds(200)) + 1;
  ASSERT_FALSE(running.empty());
  EXPECT_EQ(running.front(), "READY=1");
  int pings = 0;
  for (const auto& m : running)
    if (m.starts_with("WATCHDOG=1\nSTATUS=following ")) // every 200 ms
      ++pings;
  EXPECT_GE(pings, 5) << running.size() << " messages";
  EXPECT_LE(pings, most);

  ASSERT_EQ(daemon_->stop(), 0);
  const auto stopping = receive(std::chrono::milliseconds(300));
  ASSERT_FALSE(stopping.empty());
  EXPECT_TRUE(stopping.front().starts_with("STOPPING=1")) << stopping.front();
}

TEST_F(ServiceNotify, AReloadSaysReloadingThenReady)
{
  daemon_env_ = {"NOTIFY_SOCKET=" + path_};
  start();
  ASSERT_EQ(receive(std::chrono::milliseconds(300)).front(), "READY=1");
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  std::vector<std::string> messages;
  for (int i = 0; i < 50 && (messages.empty() || messages.back() != "READY=1"); ++i)
    for (auto& m : receive(std::chrono::milliseconds(100)))
      if (!m.starts_with("WATCHDOG=1"))
        messages.push_back(std::move(m));
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_TRUE(messages.front().starts_with("RELOADING=1\nMONOTONIC_USEC=")) << messages.front();
  EXPECT_EQ(messages.back(), "READY=1");
}

} // namespace
