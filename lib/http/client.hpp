#pragma once
// An HTTP/1.1 client for C++20 coroutines (Beast + Asio + OpenSSL).
//
// Promises:
// - TLS always verifies the certificate chain (system store, or only the
//   configured CA file) and the host name, and sends SNI. There is no switch
//   to turn verification off.
// - Keep-alive connections are pooled per origin: at most `max_per_origin`
//   requests in flight per origin, idle connections expire, a connection that
//   failed or that the peer closed is discarded, never reused. An origin's
//   pool itself goes once it has no request in flight and no live idle
//   connection, so many distinct origins cost nothing once idle.
// - With an `address_policy`, every resolved address (IP literals too) is
//   checked and only the allowed ones are connected to (no second lookup);
//   none left is a failure of kind `address_not_allowed`, nothing sent.
// - Every phase (resolve, connect, handshake, write, read) has a deadline and
//   the whole request has one too; a caller's cancellation (Asio cancellation
//   slot) stops the request.
// - Redirects are not followed: a 3xx is a failure of kind `redirect`.
// - Every failure says whether the request may have reached the server
//   (`maybe_sent`): false only when no byte of it was written.
// - Response headers and body are size-capped; garbled, truncated or
//   oversized responses are failures, never crashes.
// - Nothing is logged but method, origin, path, status and timing: never a
//   header value or a body.
//
// Thread-safety: fetch() may run concurrently from any thread of the
// io_context given at construction.

#include "http/address_policy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::http {

using namespace std::chrono_literals;

struct header {
  std::string name;
  std::string value;
};

// A file sent as the only part of a multipart/form-data body. Its bytes are
// in memory: what was checked is what is sent (never a file read by name).
struct multipart_file {
  std::string field = "image";
  std::string content;
  std::string filename;     // as sent in Content-Disposition (sanitised)
  std::string content_type; // e.g. image/png
};

struct request {
  std::string method = "GET";
  std::string url; // absolute http(s) URL
  std::vector<header> headers{};
  std::string body{};
  std::string content_type{};
  std::optional<multipart_file> file{}; // when set, the body is this file as multipart/form-data
  std::optional<std::chrono::milliseconds> total_timeout{}; // overrides the client's default
};

struct response {
  unsigned status = 0;
  std::vector<header> headers;
  std::string body;

  // The first header of that name (case-insensitive), or empty.
  std::string_view header_value(std::string_view name) const;
};

enum class failure_kind {
  none,
  bad_request,   // not a usable URL or method; nothing was sent
  resolve,
  connect,
  tls,           // handshake failed: certificate chain, host name, protocol
  timeout,       // a phase or the whole request ran out of time
  canceled,      // the caller canceled
  write,
  read,          // connection closed or reset before a whole response arrived
  protocol,      // the response is not valid HTTP
  too_large,     // response headers or body over the cap
  redirect,      // a 3xx: not followed
  address_not_allowed, // the host resolved only to addresses the policy refuses; nothing was sent
};

std::string_view to_string(failure_kind k);

struct fetch_result {
  failure_kind failure = failure_kind::none;
  bool maybe_sent = false; // meaningful on failure: may the server have received the request?
  std::string message;     // for logs; never holds header values or bodies
  response resp;           // the response (for `redirect`, the 3xx itself)

  explicit operator bool() const { return failure == failure_kind::none; }
};

struct client_options {
  std::string ca_file{}; // PEM; empty: the system's trust store
  std::size_t max_per_origin = 8;
  std::chrono::milliseconds idle_expiry = 30s;
  std::chrono::milliseconds resolve_timeout = 5s;
  std::chrono::milliseconds connect_timeout = 5s;
  std::chrono::milliseconds handshake_timeout = 10s;
  std::chrono::milliseconds write_timeout = 30s;
  std::chrono::milliseconds read_timeout = 60s;
  std::chrono::milliseconds total_timeout = 120s;
  std::size_t max_header = 64 * 1024;
  std::size_t max_body = 16 * 1024 * 1024;
  std::string user_agent = "weshopd/0.1";
  std::function<void(std::string_view)> log{}; // one line per request
  // Where connections may go; none: anywhere (the WeShop API client, which
  // has its own origin allowlist).
  std::optional<address_policy> addresses{};
};

struct client_stats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t reused = 0;
  std::uint64_t origins = 0; // origins with a pool now (requests in flight or idle connections)
};

class client {
public:
  // Throws std::runtime_error when the TLS context cannot be set up (e.g. an
  // unreadable CA file): a configuration error, found at start.
  client(boost::asio::any_io_executor executor, client_options options = {});
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  ~client();

  boost::asio::awaitable<fetch_result> fetch(request req);

  client_stats stats() const;
  // Closes every idle connection.
  void close_idle();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::http
