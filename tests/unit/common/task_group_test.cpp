#include "common/task_group.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace weshopd;
namespace asio = boost::asio;

namespace {

constexpr auto forever = asio::steady_timer::time_point::max();

// Waits on a timer that never expires: only a cancellation ends it.
asio::awaitable<void> sleep_forever(std::shared_ptr<int> ended)
{
  asio::steady_timer t(co_await asio::this_coro::executor, forever);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  ++*ended;
}

asio::awaitable<void> throws_now()
{
  co_await asio::this_coro::executor;
  throw std::runtime_error("boom");
}

asio::awaitable<void> wait_then_mark(task_group& g, std::shared_ptr<int> ended, std::shared_ptr<bool> done)
{
  co_await g.wait();
  *done = *ended == 3;
}

} // namespace

TEST(TaskGroup, StopCancelsTasksAndWaitEndsAfterAll)
{
  asio::io_context io;
  task_group g("test");
  auto ended = std::make_shared<int>(0);
  for (int i = 0; i < 3; ++i) {
    auto task = sleep_forever(ended);
    EXPECT_TRUE(g.spawn(io.get_executor(), std::move(task)));
  }
  auto done = std::make_shared<bool>(false);
  auto waiting = wait_then_mark(g, ended, done);
  asio::co_spawn(io, std::move(waiting), asio::detached);
  io.poll(); // all three are suspended; the waiter too
  EXPECT_EQ(g.size(), 3u);
  EXPECT_FALSE(*done);
  g.stop();
  io.run();
  EXPECT_EQ(*ended, 3);
  EXPECT_TRUE(*done);
  EXPECT_EQ(g.size(), 0u);
}

TEST(TaskGroup, WaitOnAnEmptyGroupCompletesAtOnce)
{
  asio::io_context io;
  task_group g("test");
  bool done = false;
  auto waiting = g.wait();
  asio::co_spawn(io, std::move(waiting), [&](std::exception_ptr e) { done = !e; });
  io.run();
  EXPECT_TRUE(done);
}

TEST(TaskGroup, AThrowingTaskIsLoggedAndOthersGoOn)
{
  asio::io_context io;
  task_group g("test");
  auto ended = std::make_shared<int>(0);
  auto sleeper = sleep_forever(ended);
  auto thrower = throws_now();
  g.spawn(io.get_executor(), std::move(sleeper));
  g.spawn(io.get_executor(), std::move(thrower));
  io.poll(); // the exception does not leave io.poll()
  EXPECT_EQ(g.size(), 1u);
  EXPECT_EQ(*ended, 0);
  g.emit(asio::cancellation_type::terminal);
  io.run();
  EXPECT_EQ(*ended, 1);
  EXPECT_EQ(g.size(), 0u);
}

TEST(TaskGroup, SpawnAfterStopIsRefusedAndTheTaskNeverRuns)
{
  asio::io_context io;
  task_group g("test");
  g.stop();
  EXPECT_TRUE(g.stopped());
  auto ended = std::make_shared<int>(0);
  auto task = sleep_forever(ended);
  EXPECT_FALSE(g.spawn(io.get_executor(), std::move(task)));
  io.run(); // nothing to run: returns at once
  EXPECT_EQ(g.size(), 0u);
  EXPECT_EQ(ended.use_count(), 1); // the refused coroutine's frame is gone
}

TEST(TaskGroup, StopWithoutCancellationLetsTasksFinish)
{
  asio::io_context io;
  task_group g("test");
  auto ended = std::make_shared<int>(0);
  auto t = std::make_shared<asio::steady_timer>(io, forever);
  auto finite = [](std::shared_ptr<asio::steady_timer> timer, std::shared_ptr<int> n) -> asio::awaitable<void> {
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    ++*n;
  };
  auto task = finite(t, ended);
  g.spawn(io.get_executor(), std::move(task));
  io.poll();
  g.stop(asio::cancellation_type::none);
  io.poll();
  EXPECT_EQ(g.size(), 1u); // still running: not cancelled
  t->expires_at(asio::steady_timer::time_point::min()); // its own work ends
  io.run();
  EXPECT_EQ(*ended, 1);
  EXPECT_EQ(g.size(), 0u);
}

// A wait raced with a deadline (as the daemon's shutdown does): the deadline
// wins, the wait is cancelled and returns, the tasks are still there.
TEST(TaskGroup, WaitLosesToADeadline)
{
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  task_group g("test");
  auto ended = std::make_shared<int>(0);
  auto task = sleep_forever(ended);
  g.spawn(io.get_executor(), std::move(task));
  std::size_t winner = 99;
  auto race = [&]() -> asio::awaitable<void> {
    asio::steady_timer deadline(co_await asio::this_coro::executor, asio::steady_timer::time_point::min());
    auto waiting = g.wait();
    auto expiring = deadline.async_wait(asio::use_awaitable);
    const auto r = co_await (std::move(waiting) || std::move(expiring));
    winner = r.index();
    g.stop();
  };
  auto racing = race();
  asio::co_spawn(io, std::move(racing), asio::detached);
  io.run();
  EXPECT_EQ(winner, 1u);
  EXPECT_EQ(*ended, 1);
  EXPECT_EQ(g.size(), 0u);
}

// Tasks on two threads end while a third waits: no task is lost, the wait ends.
TEST(TaskGroup, TasksOnSeveralThreads)
{
  asio::io_context tasks_io;
  asio::io_context waiter_io;
  task_group g("test");
  auto work = asio::make_work_guard(tasks_io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] { tasks_io.run(); });
  auto quick = []() -> asio::awaitable<void> { co_await asio::this_coro::executor; };
  for (int i = 0; i < 200; ++i) {
    auto task = quick();
    g.spawn(tasks_io.get_executor(), std::move(task));
  }
  bool done = false;
  auto waiting = g.wait();
  asio::co_spawn(waiter_io, std::move(waiting), [&](std::exception_ptr e) { done = !e; });
  waiter_io.run();
  EXPECT_TRUE(done);
  EXPECT_EQ(g.size(), 0u);
  work.reset();
  for (auto& t : threads)
    t.join();
}
