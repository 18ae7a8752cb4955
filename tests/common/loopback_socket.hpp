#pragma once
// Raw TCP connections to a daemon on loopback, for tests that hold many
// sockets open or send bytes no HTTP client would.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace weshopd::test {

// The port of a base URL such as "http://127.0.0.1:8787".
inline std::uint16_t port_of(const std::string& base)
{
  return static_cast<std::uint16_t>(std::stoi(base.substr(base.rfind(':') + 1)));
}

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_loopback(std::uint16_t port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
    return fd;
  if (fd >= 0)
    ::close(fd);
  return -1;
}

} // namespace weshopd::test
