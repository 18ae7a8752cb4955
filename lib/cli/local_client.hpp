#pragma once
// weshopctl's connection to weshopd's local API: one request per connection,
// over TCP ("http://127.0.0.1:8787") or a unix socket ("unix:/run/weshopd/api.sock"),
// with the bearer token when there is one. Blocking calls (a command line
// has nothing else to do); Beast stays in the .cpp.
//
// Failing to reach the daemon, or losing it mid-answer, throws unreachable;
// any HTTP answer, error statuses included, is a reply.

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weshopd::cli {

class unreachable : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers{}; // as received
  std::string header(std::string_view name) const; // the first by that name (any case), or ""
};

struct local_address {
  std::string host;          // TCP, or
  std::uint16_t port = 0;
  std::string unix_socket;   // a unix socket's path
  // "http://HOST:PORT", "HOST:PORT", "unix:/PATH" or "/PATH"; nullopt when it is none of those.
  static std::optional<local_address> parse(std::string_view text);
};

class local_client {
public:
  local_client(local_address address, std::optional<std::string> token,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  using header_list = std::vector<std::pair<std::string, std::string>>;
  reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const header_list& headers = {});
  // A GET whose 200 body is handed to `on_bytes` as it arrives, until it ends
  // or `on_bytes` returns false (no deadline once the head is in: a live
  // stream may be quiet). Any other status comes back whole in the reply.
  reply stream(const std::string& target, const std::function<bool(std::string_view)>& on_bytes,
               const header_list& headers = {});
  // stream() with another method (POST /v1/admin/backup: a body too big to hold).
  reply stream_call(const std::string& method, const std::string& target,
                    const std::function<bool(std::string_view)>& on_bytes);

  // How long each call may take; ?wait=N calls need N more.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

private:
  reply exchange(const std::string& method, const std::string& target, const std::string& body,
                 const header_list& headers, const std::function<bool(std::string_view)>* on_bytes);

  local_address address_;
  std::optional<std::string> token_;
  std::chrono::milliseconds timeout_;
};

} // namespace weshopd::cli
