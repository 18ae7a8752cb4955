#pragma once
// Tells systemd the daemon is alive and what it is doing: WATCHDOG=1 (when
// the unit sets WatchdogSec=) and STATUS=<one line>, from a timer on the
// daemon's io_context. A loop that wedges stops the pings, and systemd
// restarts the service. Without NOTIFY_SOCKET (not under systemd) nothing is sent.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

namespace weshopd {

class service_heartbeat {
public:
  service_heartbeat(boost::asio::any_io_executor executor, std::function<std::string()> status);
  ~service_heartbeat();
  void start();
  void stop();
  boost::asio::awaitable<void> join(); // until the loop ended after stop()

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd
