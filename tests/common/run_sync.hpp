#pragma once
// Runs a coroutine to completion on a test's own io_context and returns its
// value (rethrowing what it threw).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace weshopd::test {

template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> task)
{
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(
    io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
    [&](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error)
    std::rethrow_exception(error);
  return std::move(*out);
}

} // namespace weshopd::test
