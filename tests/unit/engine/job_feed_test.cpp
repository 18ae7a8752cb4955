#include "engine/job_feed.hpp"

#include "common/run_sync.hpp"

#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

using namespace weshopd;
using engine::job_feed;

namespace {

job make(std::string id, std::string agent, job_state state, std::int64_t event)
{
  job j;
  j.id = std::move(id);
  j.agent = std::move(agent);
  j.state = state;
  j.last_event_id = event;
  return j;
}

std::vector<std::int64_t> ids(const std::vector<std::shared_ptr<const engine::feed_item>>& items)
{
  std::vector<std::int64_t> out;
  for (const auto& i : items)
    out.push_back(i->event_id);
  return out;
}

} // namespace

TEST(JobFeed, EachSubscriberGetsWhatItsFilterTakesInOrder)
{
  boost::asio::io_context io;
  job_feed feed(io.get_executor());
  auto one_job = feed.subscribe({.job_id = "a"});
  auto done = feed.subscribe({.state = job_state::succeeded});
  auto pose = feed.subscribe({.agent = "aipose"});
  EXPECT_EQ(feed.subscribers(), 3u);

  feed.publish(make("a", "aimodel", job_state::queued, 1));
  feed.publish(make("b", "aipose", job_state::queued, 2));
  feed.publish(make("a", "aimodel", job_state::succeeded, 3));
  feed.publish(make("b", "aipose", job_state::succeeded, 4));

  EXPECT_EQ(ids(test::run_sync(io, one_job->next(std::chrono::milliseconds(10)))), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(ids(test::run_sync(io, done->next(std::chrono::milliseconds(10)))), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(ids(test::run_sync(io, pose->next(std::chrono::milliseconds(10)))), (std::vector<std::int64_t>{2, 4}));
  EXPECT_TRUE(test::run_sync(io, pose->next(std::chrono::milliseconds(10))).empty()); // timed out

  one_job.reset();
  EXPECT_EQ(feed.subscribers(), 2u);
}

TEST(JobFeed, ASubscriberTooFarBehindIsCutOffAndHoldsNothing)
{
  boost::asio::io_context io;
  job_feed feed(io.get_executor());
  auto slow = feed.subscribe({}, 3);
  for (int i = 1; i <= 5; ++i)
    feed.publish(make("a", "aimodel", job_state::running, i));
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(slow->ended());
  EXPECT_TRUE(test::run_sync(io, slow->next(std::chrono::seconds(5))).empty()); // at once: nothing queued
}

TEST(JobFeed, CloseWakesWaitersAndSubscriptionsMayOutliveTheFeed)
{
  boost::asio::io_context io;
  auto feed = std::make_unique<job_feed>(io.get_executor());
  auto waiting = feed->subscribe({});
  bool woke = false;
  boost::asio::co_spawn(
    io,
    [&]() -> boost::asio::awaitable<void> {
      co_await waiting->next(std::chrono::hours(1));
      woke = true;
    },
    boost::asio::detached);
  io.run_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke);
  feed->close();
  io.run_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(woke);
  EXPECT_TRUE(waiting->ended());
  EXPECT_TRUE(feed->subscribe({})->ended()); // closed for newcomers too
  feed.reset();
  waiting.reset(); // unsubscribes from the registry it shares: no dangling feed
}
