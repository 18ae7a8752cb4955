#include "service_lifecycle.hpp"

#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <systemd/sd-daemon.h>

namespace weshopd {

namespace asio = boost::asio;

namespace {

// systemd's STATUS= line while running.
std::string status_line(engine::engine& engine, const http::server& server)
{
  const auto s = engine.stats();
  return "following " + std::to_string(s.polling) + " running job(s), " + std::to_string(s.active) +
         " upload/submit(s) in progress, " + std::to_string(server.open_connections()) + " connection(s)";
}

} // namespace

service_lifecycle::service_lifecycle(asio::io_context& io, service_parts parts, const config::settings& cfg,
                                     ready_note note)
  : io_(io),
    parts_(parts),
    cfg_(cfg),
    note_(std::move(note)),
    heartbeat_(io.get_executor(), [this] { return status_line(parts_.engine, parts_.api_server); }),
    stop_signals_(io, SIGINT, SIGTERM),
    hangup_(io, SIGHUP)
{
}

void service_lifecycle::start()
{
  hangup_.async_wait([this](const boost::system::error_code& ec, int) { on_hangup(ec); });
  stop_signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec)
      stop(sig);
  });
  asio::co_spawn(io_, start_parts(), [](std::exception_ptr e) {
    if (e)
      std::rethrow_exception(e);
  });
}

asio::awaitable<void> service_lifecycle::start_parts()
{
  co_await parts_.engine.start();
  if (parts_.notifier)
    parts_.notifier->start();
  if (parts_.mirror)
    parts_.mirror->start();
  if (parts_.retention)
    parts_.retention->start();
  if (parts_.listener)
    parts_.listener->start();
  parts_.api_server.start();
  if (parts_.callback_server) {
    parts_.callback_server->start();
    log(log_level::info, "callbacks_listening",
        {{"listen", cfg_.callbacks.listen->host + ":" + std::to_string(parts_.callback_server->port())},
         {"public_base_url", cfg_.callbacks.public_base_url.value_or("(none: callbacks are not requested)")}});
  }
  log(log_level::info, "ready",
      {{"api", "http://" + cfg_.api.listen.host + ":" + std::to_string(parts_.api_server.port())},
       {"unix_socket", cfg_.api.unix_socket.value_or("-")},
       {"token", note_.tokens_required ? "required" : "none"},
       {"store", note_.store}});
  sd_notify(0, "READY=1");
  heartbeat_.start();
}

void service_lifecycle::on_hangup(const boost::system::error_code& ec)
{
  if (ec)
    return;
  if (parts_.reload)
    parts_.reload();
  else
    log(log_level::info, "sighup", {{"action", "none: logs go to stderr"}});
  hangup_.async_wait([this](const boost::system::error_code& next, int) { on_hangup(next); });
}

void service_lifecycle::stop(int signal)
{
  stop_began_ = std::chrono::steady_clock::now();
  log(log_level::info, "stopping", {{"signal", std::to_string(signal)}});
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing requests and submits in progress");
  heartbeat_.stop();
  parts_.api_server.stop();
  if (parts_.callback_server)
    parts_.callback_server->stop();
  parts_.engine.stop();
  if (parts_.notifier)
    parts_.notifier->stop();
  if (parts_.mirror)
    parts_.mirror->stop();
  if (parts_.retention)
    parts_.retention->stop();
  if (parts_.listener)
    parts_.listener->stop();
  if (parts_.alerts)
    parts_.alerts->stop();
  hangup_.cancel();
  auto draining = drain();
  asio::co_spawn(io_, std::move(draining), asio::detached);
}

// Every part's coroutines, until they all ended.
asio::awaitable<void> service_lifecycle::join_parts()
{
  co_await heartbeat_.join();
  co_await parts_.api_server.join();
  if (parts_.callback_server)
    co_await parts_.callback_server->join();
  co_await parts_.engine.join();
  if (parts_.notifier)
    co_await parts_.notifier->join();
  if (parts_.mirror)
    co_await parts_.mirror->join();
  if (parts_.retention)
    co_await parts_.retention->join();
  if (parts_.listener)
    co_await parts_.listener->join();
  if (parts_.alerts)
    co_await parts_.alerts->join();
}

// The deadline passed: what is still in flight is cancelled. io_.stop()
// follows at once, as before, so the cancelled coroutines do not resume:
// nothing cut here writes a guessed outcome (a cut submit stays `submitting`).
void service_lifecycle::interrupt_parts()
{
  parts_.api_server.interrupt();
  if (parts_.callback_server)
    parts_.callback_server->interrupt();
  parts_.engine.interrupt();
  if (parts_.notifier)
    parts_.notifier->interrupt();
}

// Requests, submits, polls and webhooks in progress may finish (at most
// 10 s); the store's writer flushes what is queued when main destroys it.
asio::awaitable<void> service_lifecycle::drain()
{
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(io_, drain_limit);
  auto joining = join_parts();
  auto expiring = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  const auto first = co_await (std::move(joining) || std::move(expiring));
  drained_ = first.index() == 0;
  if (!drained_) {
    log(log_level::warning, "drain_deadline", {{"after_ms", std::to_string(drain_limit.count())}});
    interrupt_parts();
  }
  shutdown_time_ =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *stop_began_);
  io_.stop();
}

service_lifecycle::shutdown_report service_lifecycle::report() const
{
  if (!shutdown_time_)
    return {};
  return {std::to_string(shutdown_time_->count()), drained_ ? "yes" : "no: cut at the deadline"};
}

} // namespace weshopd
