#pragma once
// A local webhook receiver for tests: a real HTTP server on loopback (its own
// thread) that records every request and checks its Standard Webhooks
// signature with the secret it was given. Paths: /hook answers 204,
// /redirect answers 302 to /hook, anything else 404.

#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weshopd::test {

struct received_webhook {
  std::string path;
  std::string id, timestamp, signature;
  bool signature_ok = false;
  boost::json::value body;
  std::vector<http::header> headers;
  std::string raw;
};

class webhook_receiver {
public:
  // port 0: any free port; host: where it listens (127.0.0.1 or ::1).
  webhook_receiver(std::string signing_key, std::uint16_t port = 0, std::string host = "127.0.0.1");
  ~webhook_receiver();

  std::string url(const std::string& path = "/hook") const;
  std::uint16_t port() const { return port_; }
  std::vector<received_webhook> received() const;
  // Waits until `n` distinct webhook-ids arrived at /hook (or `timeout`).
  bool wait_distinct(std::size_t n, std::chrono::milliseconds timeout) const;

private:
  boost::asio::awaitable<http::outgoing> handle(http::incoming& req);

  std::string key_;
  boost::asio::io_context io_;
  std::unique_ptr<http::server> server_;
  std::uint16_t port_ = 0;
  std::string host_;
  mutable std::mutex mutex_;
  std::vector<received_webhook> received_;
  std::thread thread_;
};

} // namespace weshopd::test
