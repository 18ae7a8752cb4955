#include "common/task_group.hpp"

#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <list>
#include <mutex>
#include <vector>

namespace weshopd {

namespace asio = boost::asio;

struct task_group::entry {
  asio::cancellation_signal signal;
  bool done = false; // set on the task's executor when it ended
  std::list<std::shared_ptr<entry>>::iterator place; // in state::running: leaving is O(1)
};

struct task_group::state {
  std::string name;
  mutable std::mutex mutex;
  std::list<std::shared_ptr<entry>> running;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters; // wait() calls to wake when `running` empties
  bool stopped = false;
};

namespace {

// Wakes a waiter on its own executor; a past expiry also ends a wait not yet begun.
void wake(const std::shared_ptr<asio::steady_timer>& t)
{
  asio::post(t->get_executor(), [t] { t->expires_at(asio::steady_timer::time_point::min()); });
}

void log_failure(const std::string& group, std::exception_ptr e)
{
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    if (se.code() == asio::error::operation_aborted)
      return; // cancelled by stop(): an ending, not a failure
    log(log_level::error, "task_failed", {{"group", group}, {"error", se.what()}});
  } catch (const std::exception& ex) {
    log(log_level::error, "task_failed", {{"group", group}, {"error", ex.what()}});
  } catch (...) {
    log(log_level::error, "task_failed", {{"group", group}, {"error", "unknown exception"}});
  }
}

} // namespace

// The spawned task's completion: logs its exception, leaves the group. It
// holds the entry (and so the signal its slot is bound to) until it is
// destroyed, after co_spawn is done with the slot.
struct task_group::finisher {
  std::shared_ptr<state> s;
  std::shared_ptr<entry> e;

  void operator()(std::exception_ptr failure)
  {
    e->done = true;
    if (failure)
      log_failure(s->name, failure);
    std::vector<std::shared_ptr<asio::steady_timer>> to_wake;
    {
      std::lock_guard lock(s->mutex);
      s->running.erase(e->place);
      if (s->running.empty())
        to_wake.swap(s->waiters);
    }
    for (const auto& t : to_wake)
      wake(t);
  }
};

task_group::task_group(std::string name) : state_(std::make_shared<state>())
{
  state_->name = std::move(name);
}

bool task_group::spawn(const asio::any_io_executor& executor, asio::awaitable<void> task)
{
  auto e = std::make_shared<entry>();
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped)
      return false;
    e->place = state_->running.insert(state_->running.end(), e);
  }
  auto slot = e->signal.slot();
  finisher done{state_, std::move(e)};
  asio::co_spawn(executor, std::move(task), asio::bind_cancellation_slot(slot, std::move(done)));
  return true;
}

void task_group::emit(asio::cancellation_type type)
{
  std::vector<std::shared_ptr<entry>> now;
  {
    std::lock_guard lock(state_->mutex);
    now.assign(state_->running.begin(), state_->running.end());
  }
  // Outside the lock: a task cancelled here may end (and leave the list) at once.
  for (const auto& e : now)
    if (!e->done)
      e->signal.emit(type);
}

void task_group::stop(asio::cancellation_type type)
{
  {
    std::lock_guard lock(state_->mutex);
    state_->stopped = true;
  }
  if (type != asio::cancellation_type::none)
    emit(type);
}

bool task_group::stopped() const
{
  std::lock_guard lock(state_->mutex);
  return state_->stopped;
}

std::size_t task_group::size() const
{
  std::lock_guard lock(state_->mutex);
  return state_->running.size();
}

asio::awaitable<bool> this_task_cancelled()
{
  const auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != asio::cancellation_type::none;
}

namespace {

template <class Timer>
asio::awaitable<bool> sleep_on(Timer& timer)
{
  const bool before = co_await this_task_cancelled();
  if (before)
    co_return false;
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  const bool during = co_await this_task_cancelled();
  co_return !during;
}

} // namespace

asio::awaitable<bool> sleep_unless_cancelled(asio::steady_timer& timer)
{
  co_return co_await sleep_on(timer);
}

asio::awaitable<bool> sleep_unless_cancelled(asio::system_timer& timer)
{
  co_return co_await sleep_on(timer);
}

asio::awaitable<void> task_group::wait()
{
  const auto s = state_; // the group may go while we wait
  const auto executor = co_await asio::this_coro::executor;
  const auto timer = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  {
    std::lock_guard lock(s->mutex);
    if (s->running.empty())
      co_return;
    s->waiters.push_back(timer);
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  if (timer->expiry() != asio::steady_timer::time_point::min()) { // we were cancelled, not woken
    std::lock_guard lock(s->mutex);
    std::erase(s->waiters, timer);
  }
}

} // namespace weshopd
