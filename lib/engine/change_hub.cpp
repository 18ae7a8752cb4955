#include "engine/change_hub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace weshopd::engine {

struct change_hub::waiter {
  boost::asio::steady_timer timer;
  bool changed = false;
  explicit waiter(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
};

void change_hub::publish(const std::string& job_id)
{
  const auto it = waiters_.find(job_id);
  if (it == waiters_.end())
    return;
  for (auto& w : it->second) {
    w->changed = true;
    w->timer.cancel();
  }
  waiters_.erase(it);
}

boost::asio::awaitable<bool> change_hub::wait(std::string job_id, std::chrono::milliseconds timeout)
{
  auto w = std::make_shared<waiter>(executor_);
  w->timer.expires_after(timeout);
  waiters_[job_id].push_back(w);
  co_await w->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  if (!w->changed) {
    auto& list = waiters_[job_id];
    std::erase(list, w);
    if (list.empty())
      waiters_.erase(job_id);
  }
  co_return w->changed;
}

} // namespace weshopd::engine
