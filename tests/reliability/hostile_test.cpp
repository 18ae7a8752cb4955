// Hostile clients against a real weshopd: a thousand slowloris connections
// dribbling headers, up to ten thousand idle ones, oversized headers and
// bodies, smuggling shapes. Each is refused cleanly, and a normal client
// probing throughout is served every time, quickly (p50/p99 printed).

#include "common/daemon_fixture.hpp"
#include "common/loopback_socket.hpp"
#include "common/process_usage.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace weshopd;

namespace {

// Latencies (ms) of `n` GET /v1/agents on fresh connections, sorted; `served` counts 200s.
std::vector<double> probe(test::daemon_process& d, int n, int& served)
{
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (d.call("GET", "/v1/agents").status == 200)
      ++served;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

double p(const std::vector<double>& sorted, int percent)
{
  return sorted[sorted.size() * static_cast<std::size_t>(percent) / 100];
}

class Hostile : public test::Daemon {};

TEST_F(Hostile, FloodsAreRefusedAndANormalClientIsServedThroughout)
{
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  const std::size_t slow_count = 1000;
  const std::size_t idle_count = std::min<std::size_t>(10000, files.rlim_cur > 2000 ? files.rlim_cur - slow_count - 500 : 0);
  std::cout << "[ figures  ] " << slow_count << " slowloris + " << idle_count << " idle connections (fd limit "
            << files.rlim_cur << ")\n";

  start();
  const auto port = test::port_of(daemon_->api());
  const auto idle_rss = test::usage_of(daemon_->pid()).rss_kib;
  int calm_served = 0;
  const auto calm = probe(*daemon_, 100, calm_served);

  std::vector<int> slow, idle;
  for (std::size_t i = 0; i < slow_count; ++i)
    if (const int fd = test::connect_loopback(port); fd >= 0) {
      const std::string start_of_request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      ::send(fd, start_of_request.data(), start_of_request.size(), MSG_NOSIGNAL);
      slow.push_back(fd);
    }
  std::atomic<bool> done{false};
  std::thread dribble([&] { // one more header byte per connection, every 200 ms
    while (!done) {
      for (const int fd : slow)
        ::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  for (std::size_t i = 0; i < idle_count; ++i)
    if (const int fd = test::connect_loopback(port); fd >= 0)
      idle.push_back(fd);

  // Refusals during the flood.
  const auto big_header = daemon_->call("GET", "/healthz", "", {{"X-Big", std::string(20 * 1024, 'h')}});
  EXPECT_EQ(big_header.status, 431u);
  const auto big_body = daemon_->call("POST", "/v1/jobs", std::string(17 * 1024 * 1024, 'b'),
                                      {{"Content-Type", "application/json"}});
  EXPECT_EQ(big_body.status, 413u);

  int served = 0;
  const auto flood = probe(*daemon_, 200, served);
  const auto flood_rss = test::usage_of(daemon_->pid()).rss_kib;
  done = true;
  dribble.join();
  std::cout << "[ figures  ] probe (a fresh client and connection each): calm p50 " << p(calm, 50) << " ms, p99 "
            << p(calm, 99) << " ms; during the flood p50 " << p(flood, 50) << " ms, p99 " << p(flood, 99) << " ms; RSS "
            << idle_rss << " KiB idle, " << flood_rss << " KiB under the flood\n";
  EXPECT_EQ(served, 200);
  EXPECT_LT(p(flood, 99), p(calm, 99) + 200.0);
  EXPECT_LT(flood_rss, idle_rss + 256 * 1024) << "connections cost bounded memory";

  for (const int fd : slow)
    ::close(fd);
  for (const int fd : idle)
    ::close(fd);
  EXPECT_EQ(daemon_->call("GET", "/healthz").status, 200u);
  EXPECT_EQ(daemon_->stop(), 0) << "and it still stops cleanly";
}

} // namespace
