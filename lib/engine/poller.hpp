#pragma once
// Follows running jobs to their end: each waits in the poll queue (no task
// per idle job) until its next GET is due; the scheduler starts due polls
// within the concurrency cap and the rate (poll_pacing.hpp); each answer is
// recorded and the next poll timed (poll_timing.hpp). Callback hints
// reschedule a job's poll. Internal to lib/engine; the engine's executor only.

#include "engine/context.hpp"
#include "engine/poll_queue.hpp"
#include "engine/learned_poll_schedule.hpp"
#include "engine/poll_timing.hpp"

#include <boost/asio/system_timer.hpp>

#include <optional>
#include <string>
#include <unordered_map>

namespace weshopd::engine {

class poller {
public:
  // A job between submit and its end, as the scheduler sees it.
  struct poll_state {
    std::string execution_id; // empty while the submit is in flight
    std::optional<timestamp> deadline;
    std::string last_status;
    std::size_t last_results = 0; // result items already shown (a run shows them as they come)
    poll_counts counts;
    std::string token_hash; // of the run's callback token; empty without callbacks
    timestamp next_poll{};
    timestamp last_poll{};
    bool in_flight = false; // a GET is on its way
    bool hinted = false;    // a callback came while it could not be acted on yet
    bool awaiting_run = false; // expect_run: its submit's drive counts it until run_started
    // Learning its run time: only runs followed from their start here (a run
    // taken over or resumed after a restart has no start we measured).
    std::string run_key;              // run_time_key of its agent, version, generateVersion
    std::optional<timestamp> started; // when its run began (the submit's answer)
    std::chrono::milliseconds unfinished_at{0}; // after its start, the last GET that saw it unfinished
    std::optional<timestamp> expected_finish;   // the job's expectedFinishAt, as last written
    bool planned = false; // it started on a poll plan; one started on the back-off stays on it
  };

  explicit poller(engine_context& ctx);

  // The scheduler, until the engine's loops group cancels it.
  boost::asio::awaitable<void> run(keep_alive self);

  // A run is about to be submitted with this callback token (hash): a
  // callback arriving before the POST's answer is remembered.
  void expect_run(const job& j, const std::string& token_hash);
  // The run exists and the job is durably running: poll it from `due`, or
  // when runs of its kind usually end (adaptive polling), at once if a
  // callback came meanwhile.
  void run_started(const job& j, const std::string& execution_id, timestamp due);
  // Polls a running job from `due` (found at start, taken over, or called
  // back here while another daemon follows it).
  void follow_running(const job& j, timestamp due);
  void forget(const std::string& id);

  bool follows(const std::string& id) const { return polling_.contains(id); }
  const poll_state* find(const std::string& id) const;
  // A callback for a followed job: re-fetch soon, at most once per
  // hint_interval. False when it coalesced (a GET is due soon enough, or
  // under way, or the run id is not known yet: then it is acted on after).
  bool hint(const std::string& id);

  std::size_t size() const { return polls_.size(); }
  // Runs followed, what the concurrency window counts beside the drives:
  // not a submit still expecting its run (its drive counts it, once).
  std::size_t runs_followed() const { return polling_.size() - awaiting_runs_; }
  std::optional<timestamp> next_due() { return polls_.next_due(); }

private:
  void schedule(const std::string& id, timestamp due);
  void let_go(const std::string& id); // its run ended here: the intake may start another
  std::size_t budget_room(timestamp now);
  std::optional<timestamp> budget_ready(std::size_t room_left, timestamp now);
  boost::asio::awaitable<void> poll_one(keep_alive self, std::string id);
  boost::asio::awaitable<void> record_end(const std::string& id, const weshop::run& r);
  boost::asio::awaitable<bool> record_progress(const std::string& id, const weshop::run& r, timestamp next,
                                               std::optional<timestamp> expected_finish);
  std::optional<timestamp> overstayed(poll_state& s, timestamp now, std::chrono::milliseconds delay);
  // The plan its polls follow (adaptive polling, no callbacks), or null.
  const poll_plan* plan_for(const poll_state& s);
  // After an answered GET: the learned schedule when it applies, else the back-off.
  std::chrono::milliseconds answered_delay(poll_state& s, timestamp now);
  // What a finished run teaches its key (followed from its start here).
  void learn(const poll_state& s, timestamp now);

  engine_context& ctx_;
  poll_timing timing_;
  poll_queue polls_;
  std::unordered_map<std::string, poll_state> polling_;
  boost::asio::system_timer wake_;
  std::optional<timestamp> wake_at_;
  std::size_t in_flight_ = 0;
  std::size_t awaiting_runs_ = 0; // entries with awaiting_run set
};

} // namespace weshopd::engine
