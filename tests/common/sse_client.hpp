#pragma once
// A plain blocking Server-Sent Events client for tests: one socket, the
// request written at construction, the head read, then one event at a time.
// Comments (heartbeats) are counted, not returned.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::test {

struct sse_event {
  std::string id;
  std::string event;
  std::string data;
};

class sse_client {
public:
  // base: "http://127.0.0.1:P"; path: "/v1/events?..."
  // headers: extra request headers (e.g. Authorization).
  sse_client(const std::string& base, const std::string& path, std::optional<std::int64_t> last_event_id = {},
             const std::vector<std::pair<std::string, std::string>>& headers = {});
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  unsigned status() const { return status_; }
  const std::string& head() const { return head_; }
  // The next event, or nullopt when the stream ended or `timeout` passed first.
  std::optional<sse_event> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Events until the stream ends or `timeout` passes with none.
  std::vector<sse_event> drain(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool ended() const { return ended_; }
  int comments() const { return comments_; }
  // Stop reading without closing: the server sees a client that does not read.
  void set_receive_buffer(int bytes);

private:
  bool fill(std::chrono::milliseconds timeout);
  std::optional<std::string> line(std::chrono::milliseconds timeout);

  int fd_ = -1;
  unsigned status_ = 0;
  std::string head_;
  std::string buffer_;
  bool ended_ = false;
  int comments_ = 0;
};

} // namespace weshopd::test
