// Waiters wake on their job's change, or time out; no sleeps: a timeout
// test uses a 1 ms timer.
#include "engine/change_hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

using namespace weshopd;
using engine::change_hub;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

void spawn_wait(asio::io_context& io, change_hub& hub, const std::string& id, std::chrono::milliseconds timeout,
                std::optional<bool>& out)
{
  asio::co_spawn(io, hub.wait(id, timeout), [&out](std::exception_ptr, bool changed) { out = changed; });
}

} // namespace

TEST(ChangeHub, PublishWakesEveryWaiterOfThatJobOnly)
{
  asio::io_context io;
  change_hub hub(io.get_executor());
  std::optional<bool> a1, a2, b;
  spawn_wait(io, hub, "a", 1h, a1);
  spawn_wait(io, hub, "a", 1h, a2);
  spawn_wait(io, hub, "b", 1ms, b);
  io.poll(); // all three are waiting now
  hub.publish("a");
  io.run();
  EXPECT_EQ(a1, true);
  EXPECT_EQ(a2, true);
  EXPECT_EQ(b, false); // timed out, not woken by a's change
}

TEST(ChangeHub, PublishWithoutWaitersIsNothingAndLaterWaitsStillWait)
{
  asio::io_context io;
  change_hub hub(io.get_executor());
  hub.publish("a");
  std::optional<bool> a;
  spawn_wait(io, hub, "a", 1ms, a);
  io.run();
  EXPECT_EQ(a, false);
  // A timed-out waiter is gone: publishing now wakes only the new one.
  std::optional<bool> again;
  spawn_wait(io, hub, "a", 1h, again);
  io.restart();
  io.poll();
  hub.publish("a");
  io.run();
  EXPECT_EQ(again, true);
}
