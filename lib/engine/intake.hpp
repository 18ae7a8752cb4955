#pragma once
// Takes accepted jobs from `queued` to `running`: a bounded number at a time
// (max_concurrent_submits), the rest waiting in the fair queue, as ids only.
// With scheduling on, a drive starts only while no Retry-After pause is on,
// the concurrency window has room and the request budget a token; a submit
// refused with 429 or retryable:true cuts the window, pauses every submit
// once and puts the job back in its place in the queue. Uploads each local
// image once per content (also across concurrent jobs); writes `submitting`
// (with the callback token's hash) before POST /runs leaves, and never sends
// a run twice (submit_policy.hpp); failures that left no run go back to
// `queued` until the job's deadline (retry_policy.hpp). Hands running jobs
// to the poller. Internal to lib/engine; the engine's executor only.

#include "engine/context.hpp"
#include "engine/poller.hpp"

#include <boost/asio/system_timer.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>

namespace weshopd::engine {

class intake {
public:
  intake(engine_context& ctx, poller& polls);

  // Starts (or queues) work on an accepted job; a job already on its way, or
  // held for budget, is left alone.
  void enqueue(const keep_alive& self, const job& j);
  // A waiting job was canceled: it leaves the queue (a drive under way ends by itself).
  void forget(const std::string& id);
  // Starts drives when the pause ends, the budget refills or a run ends;
  // until the engine's loops group cancels it.
  boost::asio::awaitable<void> run(keep_alive self);
  // Is the job queued here or being driven?
  bool follows(const std::string& id) const { return driving_.contains(id); }
  // Jobs between intake and running (create() refuses beyond max_waiting_jobs).
  std::size_t waiting() const { return ctx_.sched.queue.size() + active_; }
  std::size_t active() const { return active_; } // drives under way
  // What the window counts: drives under way and runs the poller follows,
  // each job once (a submit is its drive's until the run is recorded).
  std::size_t in_flight() const { return active_ + poller_.runs_followed(); }

private:
  // An uploaded image's URL, or the job as it ended up when it cannot go on.
  using upload_step = std::variant<std::string, result<job>>;

  void start_drives(const keep_alive& self);
  bool may_start(); // the pause, the window and the budget (scheduling on)
  void wake_at(timestamp at);
  void push(const job& j);
  boost::asio::awaitable<result<job>> refused(const job& j, const upstream::upstream_error& e, std::uint64_t ticket);
  boost::asio::awaitable<void> drive(keep_alive self, std::string id);
  boost::asio::awaitable<result<job>> load(const std::string& id);
  boost::asio::awaitable<result<job>> leave_queue(const job& j, std::string& token);
  boost::asio::awaitable<result<job>> upload_inputs(const job& j, std::string& token);
  boost::asio::awaitable<upload_step> upload_one(const job& j, std::string_view name, const std::string& location);
  boost::asio::awaitable<result<job>> submit(const job& j, const std::string& token);
  boost::asio::awaitable<result<job>> record_run(const job& j, const std::string& execution_id, bool called_back);
  boost::asio::awaitable<result<job>> retry_or_fail(const job& j, const upstream::upstream_error& e);
  std::string arm_callback(store::job_patch& p);

  engine_context& ctx_;
  poller& poller_;
  // Accepted jobs wait in ctx_.sched.queue: ids only (the rest is in the
  // store), so a backlog of 100k jobs costs a few MB, not a coroutine each.
  std::unordered_set<std::string> driving_;          // in the queue or in drive()
  std::unordered_map<std::string, job> requeue_;     // refused: back to the queue when the drive ends
  boost::asio::system_timer wake_;                   // run()'s
  std::optional<timestamp> wake_at_;                 // the earliest time start_drives asked to be woken
  std::optional<timestamp> armed_;                   // wake_'s expiry while run() waits
  std::unordered_set<std::string> uploads_in_flight_; // content digests being uploaded now
  std::size_t active_ = 0;                           // drives under way (at most max_concurrent_submits)
};

} // namespace weshopd::engine
