#pragma once
// Starting and stopping the daemon's long-lived parts, which main builds and
// owns (they must outlive this). start(): the engine first (it resumes
// unfinished jobs), the listeners last, then the "ready" log line, READY=1 to
// systemd and the heartbeat. SIGINT/SIGTERM: everything stops accepting work,
// requests, submits, polls and webhooks in progress get at most 10 s (each
// part's join() is awaited; at the deadline what is left is cancelled), then
// the io_context stops and main logs the shutdown time. SIGHUP reloads the
// configuration (service_parts::reload, config_reload.hpp) until the stop.
// All on the io_context's one thread.

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "http/server.hpp"
#include "mirror/result_mirror.hpp"
#include "mirror/retention_sweep.hpp"
#include "notify/budget_alerts.hpp"
#include "notify/notifier.hpp"
#include "service_heartbeat.hpp"
#include "store/postgres_listener.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace weshopd {

// Null pointers are parts the configuration switched off.
struct service_parts {
  engine::engine& engine;
  http::server& api_server;
  http::server* callback_server = nullptr;
  notify::notifier* notifier = nullptr;
  mirror::result_mirror* mirror = nullptr;
  mirror::retention_sweep* retention = nullptr;
  store::postgres_listener* listener = nullptr;
  notify::alert_sender* alerts = nullptr;
  std::function<void()> reload{}; // SIGHUP; none: logged and ignored
};

// What the "ready" line says besides the ports.
struct ready_note {
  std::string store;           // the SQLite file or the PostgreSQL URL
  bool tokens_required = false;
};

class service_lifecycle {
public:
  service_lifecycle(boost::asio::io_context& io, service_parts parts, const config::settings& cfg, ready_note note);

  // Spawns the start and arms the signals; the caller then runs the io_context.
  void start();
  // After a signal stopped the io_context: from the signal to the stop, and
  // whether every part ended by itself (not cut at the deadline).
  struct shutdown_report {
    std::string ms = "-";      // from the signal to the io_context's stop
    std::string drained = "-"; // every part ended by itself, or was cut at the deadline
  };
  shutdown_report report() const;

private:
  boost::asio::awaitable<void> start_parts();
  void on_hangup(const boost::system::error_code& ec);
  void stop(int signal);
  boost::asio::awaitable<void> drain();
  boost::asio::awaitable<void> join_parts();
  void interrupt_parts();

  static constexpr std::chrono::milliseconds drain_limit{10'000};

  boost::asio::io_context& io_;
  service_parts parts_;
  const config::settings& cfg_;
  ready_note note_;
  service_heartbeat heartbeat_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set hangup_;
  std::optional<std::chrono::steady_clock::time_point> stop_began_;
  std::optional<std::chrono::milliseconds> shutdown_time_;
  bool drained_ = false;
};

} // namespace weshopd
