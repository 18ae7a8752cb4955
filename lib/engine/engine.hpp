#pragma once
// The orchestrator: takes accepted jobs through upload, submit and polling to
// a terminal state, and resumes them after a restart.
//
// - A job is durable (queued) before create() returns.
// - `submitting` is written before POST /runs leaves; a run is submitted at
//   most once per job (see submit_policy.hpp). A job found in `submitting`
//   at start becomes failed/submit_outcome_unknown.
// - Local images are uploaded once per content (SHA-256), shared across jobs.
// - Running jobs wait in a poll queue (O(log n), no task per idle job); polls
//   back off 1 s -> 30 s with jitter, or follow learned run times (see
//   learned_poll_schedule.hpp); a global cap; past its deadline a job fails.
// - Every state change is a compare-and-set in the store; losing one (e.g.
//   the job was canceled meanwhile) simply ends that job's work here.
//
// Runs on one executor that one thread runs (the daemon's io_context);
// the store's completions are posted back to it.

#include "engine/change_hub.hpp"
#include "engine/job_feed.hpp"
#include "engine/poll_queue.hpp"
#include "engine/run_time_book.hpp"
#include "files/local_inputs.hpp"
#include "store/job_store.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/system_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace weshopd::engine {

using namespace std::chrono_literals;

struct engine_options {
  // Where jobs' local images are read and copied (null: none are accepted).
  std::shared_ptr<files::local_inputs> local_files{};
  std::chrono::milliseconds poll_initial = 1s;
  std::chrono::milliseconds poll_cap = 30s;
  // Poll runs when they usually end (learned per agent and version,
  // learned_poll_schedule.hpp); false: the back-off alone. Run times are
  // learned and shown either way.
  bool adaptive_polling = true;
  std::chrono::milliseconds retry_initial = 1s;
  std::chrono::milliseconds retry_cap = 60s; // uploads and submits retry until the job's deadline
  std::chrono::milliseconds deadline = 30min; // from creation to a terminal state
  std::size_t max_concurrent_polls = 32;
  double polls_per_second = 50;
  std::size_t max_concurrent_submits = 16;
  std::size_t max_waiting_jobs = 10000;        // jobs between intake and running; beyond it create() is overloaded
  // Scheduling toward WeShop (scheduler.hpp); false: each job backs off on
  // its own, no window, no shared pause or budget (the behaviour before).
  bool scheduling = true;
  std::size_t max_running_runs = 0;     // upstream.max_running_runs; 0: learn it
  double max_requests_per_second = 0;   // upstream.max_requests_per_second; 0: learn it
  std::vector<std::string> weights{};   // scheduler.weights, "token-name=N"
  std::chrono::milliseconds agent_info_ttl = 10min;
  // Callbacks: when set, each run gets callbackUrl = <this>/<job id>/<token>
  // ("https://host/callbacks/weshop"), and polling becomes a slow safety net.
  std::optional<std::string> callback_base{};
  std::chrono::milliseconds safety_poll = 5min;
  std::chrono::milliseconds hint_interval = 1s; // at most one GET per job per interval from callbacks
  // Daemons sharing a database (PostgreSQL): how often to renew this daemon's
  // lease and take over the jobs of daemons whose lease ran out (a third of
  // the lease, say). Unset: one daemon, no heartbeat.
  std::optional<std::chrono::milliseconds> lease_heartbeat{};
  // Mark succeeded jobs for result mirroring (see mirror/result_mirror.hpp).
  bool mirror_results = false;
  // Budgets (nullptr: none). Held jobs are looked at every held_check and at
  // each window reset; `clock` says which window it is (injectable for tests).
  std::shared_ptr<const budget::budget_policy> budget{};
  std::function<timestamp()> clock = now_ms;
  std::chrono::milliseconds held_check = 5s;
  std::function<void(const budget::budget_alert&)> on_budget_alert{};
  // Called after each durable transition (and creation), e.g. to wake the notifier.
  std::function<void(const job&)> on_event{};
};

// What a callback turned out to be.
enum class callback_verdict {
  accepted, // a followed job's own token: its run is re-fetched soon
  late,     // a finished job's own token: nothing to do
  forged,   // unknown job or wrong token
};

struct cancel_outcome {
  job current;
  bool was_running = false; // a WeShop run exists and is no longer followed (WeShop has no cancel)
};

class engine {
public:
  engine(boost::asio::any_io_executor executor, store::job_store& store, upstream::weshop_client& client,
         engine_options options);
  ~engine();

  // Resumes every unfinished job; then starts the poll scheduler.
  boost::asio::awaitable<void> start();
  // Takes no new work: the schedulers end at once; submits, uploads and
  // polls in flight may finish (join() awaits them, interrupt() cuts them).
  void stop();
  // Completes when every coroutine of the engine has ended.
  boost::asio::awaitable<void> join();
  // The shutdown deadline passed: cancels the work still in flight.
  void interrupt();

  // The intake's terms for a new job, as of options.clock(): what it costs
  // (images from batchCount, unit_price by agent) and which budgets must admit it
  // (admit: window, limits, hold or refuse). The only place new jobs are priced;
  // create() prices a job not priced yet, so a caller prices first only to keep
  // the terms (e.g. for a refusal's answer).
  void price(store::new_job& j) const;
  // A reload's budgets and prices: jobs priced or admitted from now on use
  // them. Runs on the engine's executor (dispatched), where they are read.
  void set_budget(std::shared_ptr<const budget::budget_policy> next);
  // A reload's scheduler.weights ("name=N", already checked): the waiting
  // queue's next turns use them. Dispatched to the engine's executor.
  void set_weights(const std::vector<std::string>& weights);
  // Stores a validated job (durably, priced and admitted) and starts working on it;
  // errc::budget_exceeded when a budget refuses it.
  boost::asio::awaitable<result<store::insert_result>> create(store::new_job j);
  boost::asio::awaitable<result<cancel_outcome>> cancel(std::string id);
  // A batch's items, stored all or none (admitted together: the whole batch
  // fits, is held, or errc::budget_exceeded), then worked on as jobs;
  // errc::overloaded when they would not fit in max_waiting_jobs.
  boost::asio::awaitable<result<store::batch_insert_result>> create_batch(store::new_batch b);
  // Cancels every item of a batch not finished: the queued ones in one
  // transaction, the ones on their way as cancel() does. The batch after.
  boost::asio::awaitable<result<batch>> cancel_batch(std::string id);
  // WeShop's valid ids for an agent (locations, models, backgrounds), cached;
  // `timeout` bounds a fetch when the cache is cold or stale.
  boost::asio::awaitable<upstream::outcome<boost::json::value>>
  agent_info(std::string name, std::string version, std::optional<std::chrono::milliseconds> timeout = {});
  // A callback from WeShop for a job: only a hint to re-fetch the run (the
  // body is not believed). Never waits; the GET happens later, coalesced.
  boost::asio::awaitable<callback_verdict> callback(const std::string& job_id, const std::string& token);

  // Another daemon sharing the database changed this job: streams and
  // long-polls here hear of it; a job this daemon polls that ended there is
  // polled no more.
  void remote_change(const std::string& job_id);

  change_hub& changes();
  job_feed& feed(); // every transition, live

  // How long runs take, by agent@version[/generateVersion], for the keys
  // with enough runs to tell.
  std::map<std::string, run_time_book::typical> typical_run_times() const;

  struct statistics {
    std::size_t polling = 0; // jobs in the poll queue
    std::chrono::milliseconds poll_lag{0}; // how overdue the most overdue poll is
    std::size_t active = 0;  // uploads/submits in progress
    std::uint64_t callbacks_accepted = 0;
    std::uint64_t callbacks_late = 0;
    std::uint64_t callbacks_forged = 0;
    std::uint64_t callbacks_coalesced = 0; // accepted, but no GET of their own (one was due or running)
    // Scheduling toward WeShop (scheduler.hpp).
    bool scheduling = true;
    std::size_t window = 0;    // runs that may be in flight now
    std::size_t in_flight = 0; // drives under way and runs followed
    std::size_t waiting = 0;   // jobs in the fair queue
    std::optional<timestamp> paused_until{}; // every submit waits until then (Retry-After)
    double request_rate = 0;   // the request budget's rate, per second
    std::uint64_t pauses = 0;  // distinct pauses begun
    std::uint64_t window_cuts = 0;
  };
  statistics stats() const;
  const upstream::upstream_health& upstream_health() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::engine
