#include "engine/job_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace weshopd::engine {

namespace asio = boost::asio;

bool feed_filter::accepts(const job& j) const
{
  return (!job_id || *job_id == j.id) && (!agent || *agent == j.agent) && (!state || *state == j.state) &&
         (!token || token == j.token_name) && (!batch_id || batch_id == j.batch_id);
}

// A timer used as a condition variable: waiting parks on it, news cancels it.
struct job_feed::subscription::signal {
  asio::steady_timer timer;
  explicit signal(asio::any_io_executor ex) : timer(std::move(ex)) {}
};

job_feed::~job_feed()
{
  close();
}

std::unique_ptr<job_feed::subscription> job_feed::subscribe(feed_filter filter, std::size_t capacity)
{
  auto s = std::make_unique<subscription>(*this, std::move(filter), capacity);
  auto& r = *registry_;
  if (r.closed) {
    s->closed_ = true;
    return s;
  }
  if (s->filter_.job_id)
    r.by_job[*s->filter_.job_id].push_back(s.get());
  else
    r.all_jobs.push_back(s.get());
  ++r.count;
  return s;
}

void job_feed::registry::remove(subscription* s)
{
  auto& list = s->filter_.job_id ? by_job[*s->filter_.job_id] : all_jobs;
  const auto before = list.size();
  std::erase(list, s);
  count -= before - list.size();
  if (s->filter_.job_id && list.empty())
    by_job.erase(*s->filter_.job_id);
}

void job_feed::publish(const job& j)
{
  auto& r = *registry_;
  if (r.closed || r.count == 0)
    return;
  auto item = std::make_shared<feed_item>();
  item->event_id = j.last_event_id;
  item->snapshot = j;
  const std::shared_ptr<const feed_item> shared = std::move(item);
  if (const auto it = r.by_job.find(j.id); it != r.by_job.end())
    for (auto* s : it->second)
      if (s->filter_.accepts(j))
        s->push(shared);
  for (auto* s : r.all_jobs)
    if (s->filter_.accepts(j))
      s->push(shared);
}

void job_feed::close()
{
  auto& r = *registry_;
  r.closed = true;
  for (auto& [id, subs] : r.by_job)
    for (auto* s : subs)
      s->end();
  for (auto* s : r.all_jobs)
    s->end();
}

job_feed::subscription::subscription(job_feed& feed, feed_filter filter, std::size_t capacity)
  : registry_(feed.registry_), filter_(std::move(filter)), capacity_(capacity), signal_(std::make_shared<signal>(feed.executor_))
{
}

job_feed::subscription::~subscription()
{
  registry_->remove(this);
}

void job_feed::subscription::push(const std::shared_ptr<const feed_item>& item)
{
  if (ended())
    return;
  if (queue_.size() >= capacity_) {
    overflowed_ = true; // cut off: a reader this far behind resumes from the table
    queue_.clear();
  } else {
    queue_.push_back(item);
  }
  signal_->timer.cancel();
}

void job_feed::subscription::end()
{
  closed_ = true;
  signal_->timer.cancel();
}

asio::awaitable<std::vector<std::shared_ptr<const feed_item>>> job_feed::subscription::next(
  std::chrono::milliseconds timeout)
{
  if (queue_.empty() && !ended()) {
    auto sig = signal_; // the timer outlives this wait even if the subscription goes
    sig->timer.expires_after(timeout);
    co_await sig->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  std::vector<std::shared_ptr<const feed_item>> out(queue_.begin(), queue_.end());
  queue_.clear();
  co_return out;
}

} // namespace weshopd::engine
