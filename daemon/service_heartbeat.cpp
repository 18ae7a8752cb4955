#include "service_heartbeat.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <systemd/sd-daemon.h>

namespace weshopd {

namespace asio = boost::asio;

struct service_heartbeat::impl {
  asio::steady_timer timer;
  std::function<std::string()> status;
  bool stopped = false;
  impl(asio::any_io_executor ex, std::function<std::string()> s) : timer(std::move(ex)), status(std::move(s)) {}

  static asio::awaitable<void> run(std::shared_ptr<impl> self, bool watchdog, std::chrono::microseconds every)
  {
    while (!self->stopped) {
      const auto line = (watchdog ? "WATCHDOG=1\nSTATUS=" : "STATUS=") + self->status();
      sd_notify(0, line.c_str());
      self->timer.expires_after(every);
      co_await self->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
};

service_heartbeat::service_heartbeat(asio::any_io_executor executor, std::function<std::string()> status)
  : impl_(std::make_shared<impl>(std::move(executor), std::move(status)))
{
}

service_heartbeat::~service_heartbeat()
{
  stop();
}

void service_heartbeat::start()
{
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0;
  // Twice per watchdog period, as sd_watchdog_enabled(3) advises; else a status line every 10 s.
  const auto every = watchdog ? std::chrono::microseconds(watchdog_usec / 2) : std::chrono::microseconds(10'000'000);
  asio::co_spawn(impl_->timer.get_executor(), impl::run(impl_, watchdog, every), asio::detached);
}

void service_heartbeat::stop()
{
  impl_->stopped = true;
  impl_->timer.cancel();
}

} // namespace weshopd
