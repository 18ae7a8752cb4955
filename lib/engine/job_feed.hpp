#pragma once
// Every job transition, live, to whoever listens (Server-Sent Events):
// the engine publishes each job right after its event row is durable, in
// event-id order; each subscriber has its own bounded queue and a filter
// (one job, an agent, a state, a batch). A subscriber that falls behind by more than
// its queue holds is cut off (overflowed) instead of growing memory: it can
// resume from the event table with Last-Event-ID.
// Not thread-safe: used on the engine's executor only.

#include "job/job.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace weshopd::engine {

// One published transition: the job as it was right after it.
struct feed_item {
  std::int64_t event_id = 0;
  job snapshot;
  mutable std::string rendered; // filled once by the first subscriber that needs it (shared by all)
};

struct feed_filter {
  std::optional<std::string> job_id{};
  std::optional<std::string> agent{};
  std::optional<job_state> state{};
  std::optional<std::string> token{}; // only jobs this API token created (token scopes)
  std::optional<std::string> batch_id{}; // only this batch's items
  bool accepts(const job& j) const;
};

class job_feed {
public:
  class subscription;

  explicit job_feed(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  ~job_feed();

  std::unique_ptr<subscription> subscribe(feed_filter filter, std::size_t capacity = 1024);
  void publish(const job& j); // j.last_event_id is the event
  // Ends every subscription (shutdown); later subscriptions start closed.
  void close();
  std::size_t subscribers() const { return registry_->count; }

private:
  friend class subscription;
  // Shared with the subscriptions: one may outlive the feed at shutdown.
  struct registry {
    std::unordered_map<std::string, std::vector<subscription*>> by_job;
    std::vector<subscription*> all_jobs;
    std::size_t count = 0;
    bool closed = false;
    void remove(subscription* s);
  };

  boost::asio::any_io_executor executor_;
  std::shared_ptr<registry> registry_ = std::make_shared<registry>();
};

class job_feed::subscription {
public:
  subscription(job_feed& feed, feed_filter filter, std::size_t capacity);
  ~subscription();
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;

  // Waits up to `timeout` for items; returns what arrived (empty on timeout
  // or when ended). Ended: the feed closed or this subscriber overflowed.
  boost::asio::awaitable<std::vector<std::shared_ptr<const feed_item>>> next(std::chrono::milliseconds timeout);
  bool ended() const { return closed_ || overflowed_; }
  bool overflowed() const { return overflowed_; }

private:
  friend class job_feed;
  friend struct job_feed::registry;
  void push(const std::shared_ptr<const feed_item>& item);
  void end();

  struct signal;
  std::shared_ptr<registry> registry_;
  feed_filter filter_;
  std::size_t capacity_;
  std::deque<std::shared_ptr<const feed_item>> queue_;
  std::shared_ptr<signal> signal_;
  bool closed_ = false;
  bool overflowed_ = false;
};

} // namespace weshopd::engine
