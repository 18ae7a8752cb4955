#pragma once
// Awaits a store read from a coroutine on the event loop. When the backend's
// reads are network round trips (PostgreSQL: reads_block()), the read runs on
// a small pool of threads and the coroutine resumes on its own executor, so
// the event loop never waits on the database; with SQLite it runs inline (a
// local read costs less than the hop). Internal to lib/store (async_jobs.cpp,
// and the pool for postgres_listener.cpp): coroutines elsewhere await the
// store through async_jobs.hpp.
//
// `read` is taken by reference and must stay alive until the result is back
// (a lambda in the caller's co_await expression does).

#include "common/await_callback.hpp"
#include "store/job_store.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>

#include <type_traits>

namespace weshopd::store {

// The threads that run blocking reads (process-wide, started on first use).
boost::asio::thread_pool& read_pool();

// Counts a piece of work on the pool from its post until its completion was
// handed on, so a stopping daemon can wait for it (wait_for_read_pool()).
class read_pool_task {
public:
  read_pool_task();
  ~read_pool_task();
  read_pool_task(const read_pool_task&) = delete;
  read_pool_task& operator=(const read_pool_task&) = delete;
};

// Blocks until no work posted by on_read_pool is running or queued.
void wait_for_read_pool();

// Runs `work` on the pool whatever the backend (work that takes long even
// when local: a backup); resumes on the caller's executor.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> on_read_pool(F& work)
{
  using value = std::invoke_result_t<F&>;
  const auto executor = co_await boost::asio::this_coro::executor;
  const auto start = [&work](auto done) {
    boost::asio::post(read_pool(), [&work, done = std::move(done), task = std::make_shared<read_pool_task>()]() mutable {
      done(work());
    });
  };
  co_return co_await await_callback<value>(executor, start);
}

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> read_async(job_store& store, F&& read)
{
  if (!store.reads_block())
    co_return read();
  co_return co_await on_read_pool(read);
}

} // namespace weshopd::store
