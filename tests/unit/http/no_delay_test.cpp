// TCP_NODELAY on the real sockets of a loopback exchange: the one the server
// accepted and the one the client connected (issue #24: Nagle held an SSE
// event until the reader's delayed ack, up to 40 ms).

#include "common/run_sync.hpp"
#include "http/client.hpp"
#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace weshopd;
namespace asio = boost::asio;
using test::run_sync;

namespace {

struct tcp_connection {
  std::uint16_t local_port = 0;
  std::uint16_t peer_port = 0;
  bool no_delay = false; // as getsockopt reads it
};

std::uint16_t port_of(const sockaddr_storage& a)
{
  return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
}

// Every connected IPv4 TCP socket this process holds, read from its file descriptors.
std::vector<tcp_connection> open_tcp_connections()
{
  std::vector<tcp_connection> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 || local.ss_family != AF_INET ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) // not a socket, or a listener
      continue;
    int on = 0;
    socklen_t on_len = sizeof on;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &on_len) == 0)
      out.push_back({port_of(local), port_of(peer), on != 0});
  }
  return out;
}

} // namespace

TEST(NoDelay, TheAcceptedAndTheConnectedSocketSendEachWriteAtOnce)
{
  asio::io_context server_io;
  http::server server(server_io.get_executor(), {}, [](http::incoming&) -> asio::awaitable<http::outgoing> {
    co_return http::outgoing{200, "text/plain", {}, "ok"};
  });
  server.start();
  std::thread thread([&] { server_io.run(); });

  asio::io_context io;
  http::client client(io.get_executor());
  http::request req;
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  ASSERT_EQ(run_sync(io, client.fetch(std::move(req))).resp.status, 200u);

  // Kept alive, both ends are still open: the client's in its pool, the server's awaiting a next request.
  int accepted = 0, connected = 0;
  for (const auto& c : open_tcp_connections()) {
    if (c.local_port == server.port()) {
      ++accepted;
      EXPECT_TRUE(c.no_delay) << "the server's accepted socket";
    } else if (c.peer_port == server.port()) {
      ++connected;
      EXPECT_TRUE(c.no_delay) << "the client's connected socket";
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(connected, 1);

  client.close_idle();
  server.stop();
  server_io.stop();
  thread.join();
}
