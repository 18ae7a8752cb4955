#pragma once
// Awaits a callback-style operation whose completion may run on another
// thread (the store's writer thread): the value is posted back to `executor`,
// so the coroutine resumes there. Include only in coroutine .cpp files; store
// writes are awaited through store/async_jobs.hpp, which uses this.
//
// `start` is taken by reference and called before the first suspension:
// GCC 12 destroys closures passed by value into coroutines (or into
// use_awaitable's initiation) twice, so none are (store/async_jobs.hpp).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <optional>

namespace weshopd {

// T: what the callback is given (e.g. result<job>); start(callback) begins the operation.
//
// The timer lives in this frame, not in the state the callback shares: the
// other thread may drop its copy of the callback (and so the last reference
// to that state) after this coroutine resumed and its io_context is gone,
// and a timer must never be destroyed after its io_context (ASan saw it).
template <class T, class Start>
boost::asio::awaitable<T> await_callback(boost::asio::any_io_executor executor, Start&& start)
{
  namespace asio = boost::asio;
  struct pending {
    std::optional<T> value;
    asio::steady_timer* timer = nullptr; // set and used on `executor` only
  };
  asio::steady_timer timer(executor, asio::steady_timer::time_point::max());
  auto p = std::make_shared<pending>();
  p->timer = &timer;
  // This frame may be destroyed while the operation is still under way (its
  // awaiter went away: a connection closed, a stop): the value posted later
  // must then find no timer, not a dangling one (ASan saw it). Both run on
  // `executor`.
  struct forget_timer {
    pending& state;
    ~forget_timer() { state.timer = nullptr; }
  } guard{*p};
  start([p, executor](T v) {
    asio::post(executor, [p, v = std::move(v)]() mutable {
      p->value = std::move(v);
      if (p->timer)
        p->timer->cancel();
    });
  });
  while (!p->value)
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return std::move(*p->value);
}

} // namespace weshopd
