#include "store/postgres_listener.hpp"

#include "common/log.hpp"
#include "common/task_group.hpp"
#include "store/postgres.hpp"
#include "store/read_async.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <libpq-fe.h>

#include <algorithm>

namespace weshopd::store {

namespace asio = boost::asio;

struct postgres_listener::impl : std::enable_shared_from_this<impl> {
  asio::any_io_executor executor;
  postgres_listener_options options;
  std::function<void(const std::string&)> on_remote;
  task_group tasks{"postgres_listener"}; // run(), cancelled at stop()

  impl(asio::any_io_executor ex, postgres_listener_options o, std::function<void(const std::string&)> f)
    : executor(ex), options(std::move(o)), on_remote(std::move(f))
  {
  }

  // Each notification's payload: "<job id> <daemon>".
  void deliver(PGconn* conn)
  {
    while (PGnotify* n = PQnotifies(conn)) {
      const std::string payload = n->extra ? n->extra : "";
      PQfreemem(n);
      const auto space = payload.find(' ');
      if (space != std::string::npos && payload.substr(space + 1) != options.owner)
        on_remote(payload.substr(0, space));
    }
  }

  // Connecting (and LISTEN) may wait on the network: done on the read pool,
  // never on the event loop. nullptr when it failed (logged).
  asio::awaitable<std::unique_ptr<pg_connection>> connect(std::chrono::milliseconds retry_in)
  {
    std::unique_ptr<pg_connection> db;
    std::string failure;
    const auto start = [&](auto done) {
      asio::post(read_pool(), [&, done]() mutable {
        try {
          db = std::make_unique<pg_connection>(options.url, options.password);
          db->exec("LISTEN weshopd_events");
        } catch (const pg_error& e) {
          db.reset();
          failure = e.what();
        }
        done(true);
      });
    };
    co_await await_callback<bool>(executor, start);
    if (!db)
      log(log_level::warning, "listen_failed", {{"error", failure}, {"retry_in_ms", std::to_string(retry_in.count())}});
    co_return std::move(db);
  }

  asio::awaitable<void> run(std::shared_ptr<impl>)
  {
    auto wait = std::chrono::milliseconds(100);
    for (;;) {
      auto db = co_await connect(wait);
      bool stopped = co_await this_task_cancelled(); // stop() during the connect left it alone
      if (db && !stopped) {
        wait = std::chrono::milliseconds(100);
        deliver(db->native()); // what came while LISTEN was set up
        asio::posix::stream_descriptor socket(executor, PQsocket(db->native()));
        for (;;) {
          auto [ec] = co_await socket.async_wait(asio::posix::stream_descriptor::wait_read,
                                                 asio::as_tuple(asio::use_awaitable));
          if (ec || PQconsumeInput(db->native()) == 0)
            break; // stop() or a lost connection
          deliver(db->native());
        }
        socket.release(); // libpq owns the descriptor
        stopped = co_await this_task_cancelled();
      }
      if (stopped)
        break;
      asio::steady_timer pause(executor, wait);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      const bool stopped_now = co_await this_task_cancelled();
      if (stopped_now)
        break;
      wait = std::min(wait * 2, std::chrono::milliseconds(5000));
    }
  }
};

postgres_listener::postgres_listener(asio::any_io_executor executor, postgres_listener_options options,
                                     std::function<void(const std::string& job_id)> on_remote)
  : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(on_remote)))
{
}

postgres_listener::~postgres_listener()
{
  stop();
}

void postgres_listener::start()
{
  auto listening = impl_->run(impl_);
  impl_->tasks.spawn(impl_->executor, std::move(listening));
}

void postgres_listener::stop()
{
  impl_->tasks.stop();
}

asio::awaitable<void> postgres_listener::join()
{
  const auto self = impl_;
  co_await self->tasks.wait();
}

} // namespace weshopd::store
