#pragma once
// A group that owns the coroutines a component spawns (after Beast's
// example/advanced/server-flex-awaitable/task_group.hpp): each runs with its
// cancellation slot bound to a signal of the group, so stop() reaches all of
// them, and wait() completes once every one has ended. A task's exception is
// logged (never rethrown into the io_context, as detached spawns swallowed it).
//
// Thread-safety: spawn/size/wait from any thread (a mutex guards the list);
// emit/stop must run on the tasks' executor (one thread or a strand), since a
// cancellation signal is not thread-safe: the daemon runs all on one thread.
// After stop(), spawn() refuses (the task never starts) and returns false.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace weshopd {

class task_group {
public:
  // `name` goes into the log line of a task that failed.
  explicit task_group(std::string name);
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  // Runs `task` on `executor`; false (and `task` is dropped) after stop().
  // Pass a named awaitable (GCC 12, see README).
  bool spawn(const boost::asio::any_io_executor& executor, boost::asio::awaitable<void> task);
  // Sends `type` to every task running now.
  void emit(boost::asio::cancellation_type type);
  // Refuses new tasks, then emits `type` (none: the running ones may finish).
  void stop(boost::asio::cancellation_type type = boost::asio::cancellation_type::terminal);
  bool stopped() const;
  std::size_t size() const;
  // Completes when no task is left (at once if none), or when the awaiting
  // coroutine is cancelled (e.g. it lost a race with a deadline).
  boost::asio::awaitable<void> wait();

private:
  struct state;
  struct entry;
  struct finisher;
  std::shared_ptr<state> state_; // shared with the tasks' completions, which may outlive the group
};

// In a task: has its group cancelled it? A loop checks this after an await
// that ended with operation_aborted (its timer may be cancelled for other reasons).
boost::asio::awaitable<bool> this_task_cancelled();

// A task loop's sleep: waits on `timer` (already set) unless the group has
// cancelled the task; false when it has, before or during the wait. Checked
// before too, since a cancellation that came during another await (a store
// read) left that await alone; after, since the timer may be cancelled for
// other reasons (a poke).
boost::asio::awaitable<bool> sleep_unless_cancelled(boost::asio::steady_timer& timer);
boost::asio::awaitable<bool> sleep_unless_cancelled(boost::asio::system_timer& timer);

} // namespace weshopd
