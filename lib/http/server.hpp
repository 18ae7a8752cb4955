#pragma once
// An HTTP/1.1 server for coroutine handlers (Beast + Asio).
//
// Promises: header and body size limits on every request, chunked bodies
// included (431 / 413, then the connection closes); a deadline on reading each
// request and on idle keep-alive connections (slowloris-proof); a cap on open
// connections (past it: 503 + Retry-After, then close); a cap on the memory
// all request bodies may take together (503 + Retry-After); malformed HTTP and
// conflicting Content-Length get 400. Statuses for these come from
// `make_error`, so the API decides the error body. stop() closes the
// listener, lets requests in progress finish and closes idle connections.
//
// Thread-safety: start/stop from any thread; handlers run on the executor.
// Every connection runs on that executor itself (no strand each: strands
// cost a third of a status read), so it must be one thread's io_context or a
// strand, as the daemon's is.

#include "http/message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace weshopd::http {

struct server_options {
  std::string host = "127.0.0.1"; // empty: no TCP listener
  std::uint16_t port = 0;         // 0: any free port
  std::string unix_socket{};      // also (or only) listen on this socket file
  unsigned unix_mode = 0660;      // who may connect: owner and group
  std::size_t max_header = 16 * 1024;
  std::size_t max_body = 16 * 1024 * 1024;
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30); // one whole request
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60); // between keep-alive requests
  std::chrono::milliseconds write_timeout = std::chrono::seconds(10); // a streamed body's client must keep reading
  std::size_t max_connections = 1024;
  // Request bodies held in memory at once, all connections together: a body
  // is counted from its header (its Content-Length, or max_body when chunked)
  // until its response is sent; one that would pass this gets 503.
  std::size_t max_body_memory = 256 * 1024 * 1024;
  std::function<outgoing(unsigned status, std::string_view code, std::string_view message)> make_error{};
};

using handler = std::function<boost::asio::awaitable<outgoing>(incoming&)>;

class server {
public:
  // Binds at once (throws boost::system::system_error when the address is taken).
  server(boost::asio::any_io_executor executor, server_options options, handler h);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const;
  void start();
  void stop();
  // Completes when the listeners and every connection have ended (after stop()).
  boost::asio::awaitable<void> join();
  // The shutdown deadline passed: cancels the requests still in progress.
  void interrupt();
  std::size_t open_connections() const;
  std::size_t body_memory() const; // bytes counted for bodies now
  // A reload: requests read from now on take these header and body limits.
  // Runs on the server's executor (dispatched), where they are read.
  void set_request_limits(std::size_t max_header, std::size_t max_body);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::http
