#include "common/sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace weshopd::test {

sse_client::sse_client(const std::string& base, const std::string& path, std::optional<std::int64_t> last_event_id,
                       const std::vector<std::pair<std::string, std::string>>& headers)
{
  const auto colon = base.rfind(':');
  const auto port = static_cast<std::uint16_t>(std::stoi(base.substr(colon + 1)));
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("sse_client: cannot connect to " + base);
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (last_event_id)
    request += "Last-Event-ID: " + std::to_string(*last_event_id) + "\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::runtime_error("sse_client: cannot send the request");
  while (head_.find("\r\n\r\n") == std::string::npos) {
    if (!fill(std::chrono::seconds(10)))
      throw std::runtime_error("sse_client: no response head");
    head_ += buffer_;
    buffer_.clear();
  }
  const auto end = head_.find("\r\n\r\n") + 4;
  buffer_ = head_.substr(end);
  head_.resize(end);
  status_ = static_cast<unsigned>(std::stoi(head_.substr(9, 3)));
}

sse_client::~sse_client()
{
  if (fd_ >= 0)
    ::close(fd_);
}

void sse_client::set_receive_buffer(int bytes)
{
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

bool sse_client::fill(std::chrono::milliseconds timeout)
{
  if (ended_)
    return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
    return false;
  char chunk[16384];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> sse_client::line(std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto l = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return l;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left))
      return std::nullopt;
  }
}

std::optional<sse_event> sse_client::next(std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  sse_event e;
  bool any = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto l = line(std::max(left, std::chrono::milliseconds(0)));
    if (!l)
      return std::nullopt;
    if (l->empty()) {
      if (any)
        return e;
      continue;
    }
    if (l->front() == ':') {
      ++comments_;
      continue;
    }
    any = true;
    const auto colon = l->find(':');
    const auto field = l->substr(0, colon);
    auto value = colon == std::string::npos ? std::string() : l->substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    if (field == "id")
      e.id = value;
    else if (field == "event")
      e.event = value;
    else if (field == "data")
      e.data += value;
  }
}

std::vector<sse_event> sse_client::drain(std::chrono::milliseconds timeout)
{
  std::vector<sse_event> out;
  while (auto e = next(timeout))
    out.push_back(std::move(*e));
  return out;
}

} // namespace weshopd::test
