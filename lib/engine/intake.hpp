#pragma once
// Takes accepted jobs from `queued` to `running`: a bounded number at a time
// (max_concurrent_submits), the rest waiting as ids only; uploads each local
// image once per content (also across concurrent jobs); writes `submitting`
// (with the callback token's hash) before POST /runs leaves, and never sends
// a run twice (submit_policy.hpp); failures that left no run go back to
// `queued` until the job's deadline (retry_policy.hpp). Hands running jobs
// to the poller. Internal to lib/engine; the engine's executor only.

#include "engine/context.hpp"
#include "engine/poller.hpp"

#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>

namespace weshopd::engine {

class intake {
public:
  intake(engine_context& ctx, poller& polls) : ctx_(ctx), poller_(polls) {}

  // Starts (or queues) work on an accepted job; a job already on its way is left alone.
  void enqueue(const keep_alive& self, std::string id);
  // Is the job queued here or being driven?
  bool follows(const std::string& id) const { return driving_.contains(id); }
  // Jobs between intake and running (create() refuses beyond max_waiting_jobs).
  std::size_t waiting() const { return queued_ids_.size() + active_; }
  std::size_t active() const { return active_; } // drives under way

private:
  // An uploaded image's URL, or the job as it ended up when it cannot go on.
  using upload_step = std::variant<std::string, result<job>>;

  void start_drives(const keep_alive& self);
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
  // Accepted jobs waiting for a submit slot: ids only (the rest is in the
  // store), so a backlog of 100k jobs costs a few MB, not a coroutine each.
  std::deque<std::string> queued_ids_;
  std::unordered_set<std::string> driving_;          // in queued_ids_ or in drive()
  std::unordered_set<std::string> uploads_in_flight_; // content digests being uploaded now
  std::size_t active_ = 0;                           // drives under way (at most max_concurrent_submits)
};

} // namespace weshopd::engine
