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
template <class T, class Start>
boost::asio::awaitable<T> await_callback(boost::asio::any_io_executor executor, Start&& start)
{
  namespace asio = boost::asio;
  struct pending {
    asio::steady_timer timer;
    std::optional<T> value;
    explicit pending(asio::any_io_executor ex) : timer(std::move(ex), asio::steady_timer::time_point::max()) {}
  };
  auto p = std::make_shared<pending>(executor);
  start([p](T v) {
    asio::post(p->timer.get_executor(), [p, v = std::move(v)]() mutable {
      p->value = std::move(v);
      p->timer.cancel();
    });
  });
  while (!p->value)
    co_await p->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return std::move(*p->value);
}

} // namespace weshopd
