#include "service_heartbeat.hpp"

#include "common/task_group.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <systemd/sd-daemon.h>

namespace weshopd {

namespace asio = boost::asio;

struct service_heartbeat::impl {
  asio::any_io_executor executor;
  std::function<std::string()> status;
  task_group tasks{"heartbeat"};
  impl(asio::any_io_executor ex, std::function<std::string()> s) : executor(std::move(ex)), status(std::move(s)) {}

  static asio::awaitable<void> run(std::shared_ptr<impl> self, bool watchdog, std::chrono::microseconds every)
  {
    asio::steady_timer timer(self->executor);
    for (;;) {
      const auto line = (watchdog ? "WATCHDOG=1\nSTATUS=" : "STATUS=") + self->status();
      sd_notify(0, line.c_str());
      timer.expires_after(every);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      const bool cancelled = co_await this_task_cancelled(); // stop()
      if (cancelled)
        co_return;
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
  auto beats = impl::run(impl_, watchdog, every);
  impl_->tasks.spawn(impl_->executor, std::move(beats));
}

void service_heartbeat::stop()
{
  impl_->tasks.stop();
}

asio::awaitable<void> service_heartbeat::join()
{
  const auto self = impl_;
  co_await self->tasks.wait();
}

} // namespace weshopd
