#pragma once
// Job events written by other daemons sharing the PostgreSQL database: a
// connection of its own LISTENs on weshopd_events (migration 0003) from the
// event loop (its socket waited on with Asio, never blocking), and hands each
// job id another daemon changed to `on_remote`. Connecting happens on the read
// pool (read_async.hpp). A lost connection is opened again with backoff; events missed meanwhile are not replayed (streams
// resume with Last-Event-ID from the table).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

namespace weshopd::store {

struct postgres_listener_options {
  std::string url;
  std::string password;
  std::string owner; // this daemon (its own events are published where they happen)
};

class postgres_listener {
public:
  postgres_listener(boost::asio::any_io_executor executor, postgres_listener_options options,
                    std::function<void(const std::string& job_id)> on_remote);
  ~postgres_listener();
  void start();
  void stop();
  boost::asio::awaitable<void> join(); // until the listening ended after stop()

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::store
