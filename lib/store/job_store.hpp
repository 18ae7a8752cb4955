#pragma once
// The durable job store: the contract every backend keeps (SQLite, the
// embedded default: sqlite_job_store.hpp; PostgreSQL for several hosts:
// postgres_job_store.hpp). The only code that knows the jobs tables.
//
// Each write's callback runs (on a thread of the store's) only after the
// transaction holding it is durable. Reads block the calling thread. From a
// coroutine on the event loop, await both through async_jobs.hpp. Every
// method is thread-safe. Expected failures are values: not_found,
// stale_state (compare-and-set lost), illegal_transition,
// idempotency_conflict, overloaded, and storage_* for a failing database.

#include "common/error.hpp"
#include "budget/budget_policy.hpp"
#include "common/uuid7.hpp"
#include "job/batch.hpp"
#include "job/job.hpp"
#include "store/group_commit.hpp"
#include "store/view_cache.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::store {

class backup_copy; // sqlite_backup.hpp

struct job_store_options {
  std::string backend = "sqlite"; // or "postgres"
  std::string path{};             // sqlite: the database file
  std::string url{};              // postgres: a libpq connection URI or keyword string
  std::string password{};         // postgres: from a credential file, never in the URL
  // postgres: this daemon's name in claims (new at every start), and how long
  // its claims outlive its last heartbeat (renew_lease()).
  std::string owner{};
  std::chrono::milliseconds lease = std::chrono::seconds(30);
  std::string synchronous = "full";
  int busy_timeout_ms = 5000;
  std::size_t readers = 4;
  std::size_t view_cache_bytes = 64 * 1024 * 1024; // rendered jobs for status reads
  group_commit_options writer{};
  std::function<timestamp()> clock = now_ms; // injectable for tests
};

struct new_job {
  std::string agent;
  std::string agent_version;
  boost::json::object input;
  boost::json::object params;
  std::optional<std::string> idempotency_key;
  std::string request_hash; // SHA-256 of the canonical request: idempotency compares this
  std::optional<timestamp> deadline_at;
  std::optional<std::string> notify_url; // local webhook (see deliveries)
  bool notify_all = false;
  std::optional<std::string> retry_of{}; // POST /v1/jobs/{id}/retry: the job retried
  std::int64_t images = 0;               // what it asks for (batchCount)
  std::int64_t unit_price = 0;           // per image, micro-units
  std::optional<std::string> token_name{}; // the API token it came with (its Idempotency-Keys are its own)
  budget::admission admit{};             // the window and limits it is admitted against
  boost::json::array warnings{};         // shown with the job (job.hpp)
  std::optional<std::string> batch_id{}; // set by the store for a batch's items
  std::int64_t batch_index = 0;
  std::optional<std::string> item_name{};
  std::string priority = "normal"; // high | normal | low: its place within its token's share
};

struct insert_result {
  job created_or_existing;
  bool created = false; // false: the Idempotency-Key named an existing, identical request
  std::vector<budget::budget_alert> alerts{}; // thresholds this admission crossed
};

// POST /v1/batches: items of one agent stored all or none. Every item has
// the batch's agent and token, so one admission covers them all (the whole
// batch fits, is refused, or is held whole).
struct new_batch {
  std::string agent;
  std::string agent_version;
  boost::json::object params; // the shared params, as sent
  std::string request_hash;   // SHA-256 of the canonical request (Idempotency-Key)
  std::optional<std::string> idempotency_key{};
  std::optional<std::string> token_name{};
  std::optional<std::string> notify_url{}; // batch.<state> when it ends
  bool notify_all = false;
  std::optional<std::string> retry_of{};   // POST /v1/batches/{id}/retry: the batch retried
  std::string priority = "normal";        // each item's too (high | normal | low)
  budget::admission admit{};
  std::vector<new_job> items;              // priced, in order; item_name set; the rest the store fills
};

struct batch_insert_result {
  batch created_or_existing;
  bool created = false;       // false: the Idempotency-Key named an existing, identical batch
  std::vector<job> items{};   // the jobs created (none when it existed)
  std::vector<budget::budget_alert> alerts{};
};

// POST /v1/batches/{id}/cancel, in one transaction: the queued items are
// canceled; the ones on their way (a drive holds them, a run may exist) are
// left to the engine's cancel, one by one (as a single job's).
struct batch_cancel_result {
  batch current;
  std::vector<job> canceled{};              // items canceled here
  std::vector<std::string> in_flight{};     // items uploading, submitting or running: cancel each
};

struct batch_query {
  std::optional<std::string> before_id{}; // keyset: batches older than this id
  std::optional<std::string> token{};     // only this API token's batches (token scopes)
  std::size_t limit = 50;
};

struct batch_page {
  std::vector<batch> batches; // newest first
  std::optional<std::string> next_before;
};

// A held job's second chance (see async_admit_held).
struct admit_result {
  job current;
  bool admitted = false;
  std::vector<budget::budget_alert> alerts{};
};

// GET /v1/usage: one row per group (agent, budget day or token).
struct usage_row {
  std::string key;
  std::int64_t jobs = 0;
  std::int64_t images_requested = 0;
  std::int64_t images_produced = 0;
  std::int64_t spend = 0; // micro-units: produced images, plus what unfinished jobs may cost
};
enum class usage_group { agent, day, token };

// Changes made with a transition; unset members stay as they are.
struct job_patch {
  std::optional<boost::json::object> input; // e.g. local paths replaced by uploaded URLs
  std::optional<std::string> execution_id;
  std::optional<std::string> upstream_status;
  std::optional<boost::json::array> results;
  std::optional<std::optional<job_error>> error;          // set, or clear with nullopt inside
  std::optional<int> attempts;
  std::optional<std::optional<timestamp>> next_attempt_at; // set, or clear
  std::optional<std::string> callback_token_hash;
  std::optional<std::int64_t> images_actual; // (on success) images WeShop produced
  bool mirror_results = false; // (on success) the result images are to be copied: see mirror_backlog()
  std::optional<std::optional<timestamp>> expected_finish_at; // set, or clear
};

// How one delivery attempt ended.
struct delivery_attempt {
  std::int64_t id = 0;
  std::optional<int> status{};            // HTTP status, when there was an answer
  std::string error{};                    // what went wrong, when it did
  bool delivered = false;                 // a 2xx
  std::optional<timestamp> retry_at{};    // not delivered: when to try again; nullopt: give up
};

struct list_query {
  std::optional<job_state> state{};
  std::optional<std::string> agent{};
  std::optional<std::string> before_id{}; // keyset: jobs older than this id
  std::optional<std::string> token{};     // only the jobs this API token created (token scopes)
  std::optional<std::string> batch{};     // only this batch's items
  std::size_t limit = 50;
};

struct job_page {
  std::vector<job> jobs;               // newest first
  std::optional<std::string> next_before; // set when more jobs follow
};

// How many jobs one agent has in one state.
struct job_count {
  std::string agent;
  std::string state;
  std::int64_t jobs = 0;
};

// A result image copied to local disk (results.mirror).
struct result_file {
  std::string job_id;
  int n = 0; // index in the job's results
  std::string path;
  std::string sha256;
  std::int64_t bytes = 0;
  std::string content_type;
  timestamp stored_at{};
};

// One retention batch (async_purge_expired).
struct purge_batch {
  std::vector<std::string> ids{};   // the jobs purged (each now a tombstone)
  std::vector<std::string> files{}; // their mirrored copies' paths: delete them from disk next
  bool more = false;                // more jobs are due: run another batch
  std::size_t tombstones_dropped = 0; // tombstones past their horizon, deleted
  std::size_t uploads_dropped = 0;    // upload rows no live job uses any more
};

// A learned run-time estimate (engine/run_time_estimate.hpp's text form), by key.
struct run_time_row {
  std::string key;       // agent@version[/generateVersion]
  std::string histogram; // opaque here: the engine writes and reads it
  timestamp updated_at{};
};

struct upload_record {
  std::string sha256;
  std::string url;
  std::int64_t size = 0;
};

class job_store {
public:
  template <class T>
  using callback = std::function<void(result<T>)>;

  // Opens (creating if needed) and migrates the database of options.backend.
  // A tampered or too new schema, or an unreachable database, is an error
  // with its detail.
  static detailed_result<std::unique_ptr<job_store>> open(const job_store_options& options);

  job_store(const job_store&) = delete;
  job_store& operator=(const job_store&) = delete;
  virtual ~job_store() = default;

  // --- writes (durable when `done` runs, on a thread of the store's) ---
  virtual void async_insert(new_job j, callback<insert_result> done) = 0;
  // Compare-and-set: applies only while the job is in `from`. from == to
  // updates a non-terminal job without an event; otherwise the state machine
  // must allow from -> to and an event row is written in the same transaction.
  virtual void async_transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail,
                        callback<job> done) = 0;
  virtual void async_record_upload(upload_record upload, callback<bool> done) = 0;
  // Admits a held job if its budget has room now (atomically with the check):
  // it leaves held, joins `a.window`, and its deadline restarts from now.
  virtual void async_admit_held(std::string id, budget::admission a, callback<admit_result> done) = 0;
  // Records a delivery attempt (delivered, to retry, or given up).
  virtual void async_record_delivery(delivery_attempt attempt, callback<delivery> done) = 0;

  // The copies of a job's results (maybe none) and how mirroring ended:
  // failure empty means done. The job's results gain localUrl, sha256, bytes.
  virtual void async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                           callback<bool> done) = 0;
  // Forgets the copies of these jobs (their files are to be deleted next):
  // the rows go, and the fields the copies added to each job's results.
  virtual void async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done) = 0;

  // Retention: in one transaction, deletes up to max_jobs finished jobs that
  // finished before `finished_before`, oldest first, with their events,
  // deliveries, result_files rows (and Idempotency-Keys, which are columns),
  // and the upload rows no live job uses. Live jobs are never touched; a job
  // with a pending delivery, or that a kept job retries, waits. Counters,
  // the budget ledger and usage() stay as they were; get() of a purged id
  // answers errc::job_expired for as long again: a tombstone
  // purged before `finished_before` goes too (so tombstones never outnumber the
  // ids a retention period purges, and the table stays bounded).
  virtual void async_purge_expired(timestamp finished_before, std::size_t max_jobs, callback<purge_batch> done) = 0;

  // Gives up to max_pages free pages back to the file system (SQLite's
  // incremental_vacuum, on the writer); the pages freed. PostgreSQL: 0
  // (autovacuum's job, see README).
  virtual void async_reclaim_space(std::size_t max_pages, callback<std::int64_t> done) = 0;

  // Learned run times (write-behind from the engine): each row replaces the
  // one of its key; the rows written.
  virtual void async_save_run_times(std::vector<run_time_row> rows, callback<std::size_t> done) = 0;

  // Blocking forms of the writes (for tools and tests; not for I/O threads).
  result<insert_result> insert(new_job j);
  result<job> transition(std::string id, job_state from, job_state to, job_patch patch = {}, std::string detail = {});
  result<bool> record_upload(upload_record upload);
  result<admit_result> admit_held(std::string id, budget::admission a);
  result<bool> record_mirror(std::string job_id, std::vector<result_file> files, std::string failure = {});
  result<std::size_t> expire_mirrors(std::vector<std::string> job_ids);
  result<delivery> record_delivery(delivery_attempt attempt);
  result<purge_batch> purge_expired(timestamp finished_before, std::size_t max_jobs);
  result<std::int64_t> reclaim_space(std::size_t max_pages);
  result<std::size_t> save_run_times(std::vector<run_time_row> rows);

  // Batches: all items or none, admitted together (see new_batch); and a
  // cancel of every item not yet submitted (batch_cancel_result).
  virtual void async_insert_batch(new_batch b, callback<batch_insert_result> done) = 0;
  virtual void async_cancel_batch(std::string id, callback<batch_cancel_result> done) = 0;
  result<batch_insert_result> insert_batch(new_batch b);
  result<batch_cancel_result> cancel_batch(std::string id);

  // --- reads ---
  virtual result<batch> get_batch(std::string_view id) = 0;
  virtual result<batch_page> list_batches(const batch_query& query) = 0;
  // A batch's items in order, from index `from` on (at most `limit`).
  virtual result<std::vector<job>> batch_items(std::string_view batch_id, std::int64_t from, std::size_t limit) = 0;
  // The events of a batch's items after an event id, in order (resuming its live stream).
  virtual result<std::vector<job_event>> batch_events(std::string_view batch_id, std::int64_t after_event_id,
                                                      std::size_t limit) = 0;
  // not_found, or job_expired for a purged id (its tombstone).
  virtual result<job> get(std::string_view id) = 0;
  virtual result<job_page> list(const list_query& query) = 0;
  virtual result<std::vector<job_event>> events(std::string_view job_id, std::int64_t after_event_id = 0) = 0;
  // Events of every job after an event id, in order (resuming a live stream).
  virtual result<std::vector<job_event>> events_after(std::int64_t after_event_id, std::size_t limit) = 0;
  virtual result<std::vector<delivery>> deliveries(std::string_view job_id) = 0;
  // Pending deliveries due at `now`, oldest due first.
  virtual result<std::vector<delivery>> due_deliveries(timestamp now, std::size_t limit) = 0;
  // When the next pending delivery is due, if any.
  virtual result<std::optional<timestamp>> next_delivery_due() = 0;
  virtual result<std::optional<upload_record>> find_upload(std::string_view sha256) = 0;
  // The upload WeShop answered with this URL (whose local copy the dashboard shows).
  virtual result<std::optional<upload_record>> find_upload_by_url(std::string_view url) = 0;
  // Every job not in a terminal state, oldest first (recovery on start).
  virtual result<std::vector<job>> unfinished() = 0;
  // Succeeded jobs whose results still need copying, oldest first.
  virtual result<std::vector<job>> mirror_backlog(std::size_t limit) = 0;
  virtual result<std::optional<result_file>> find_result_file(std::string_view job_id, int n) = 0;
  // Every copy, oldest first (the retention sweep chooses from these).
  virtual result<std::vector<result_file>> result_files() = 0;
  // Jobs by agent and state (kept by triggers: a few rows, never a table scan).
  virtual result<std::vector<job_count>> counts() = 0;
  // Held jobs (waiting for budget), oldest first.
  virtual result<std::vector<job>> held_jobs(std::size_t limit) = 0;
  // What each scope has committed in a budget window.
  virtual result<std::map<std::string, std::int64_t>> budget_used(std::string_view window) = 0;
  // Admitted jobs of the windows from..to (inclusive, "YYYY-MM-DD"), grouped;
  // with `token`, only the jobs that API token created.
  virtual result<std::vector<usage_row>> usage(std::string_view from, std::string_view to, usage_group group,
                                               const std::optional<std::string>& token) = 0;
  // Jobs that reached `state` (a terminal one) at or after `since` (an index: no table scan).
  virtual result<std::int64_t> count_finished_since(job_state state, timestamp since) = 0;
  // Every learned run-time estimate, by key.
  virtual result<std::vector<run_time_row>> run_times() = 0;

  // --- work distribution (several daemons on PostgreSQL; with SQLite, one
  // daemon holds everything and these are trivial) ---
  // Claims for this daemon up to `limit` unfinished jobs that no live daemon
  // holds, oldest first. New jobs are claimed by the daemon that took them in.
  // With SQLite, every unfinished job (it has one daemon; no limit applies).
  virtual result<std::vector<job>> claim_unfinished(std::size_t limit) = 0;
  // The heartbeat: this daemon's claims hold for options.lease from now.
  virtual result<bool> renew_lease() = 0;
  // A clean stop: this daemon's claims can be taken at once.
  virtual result<bool> release_lease() = 0;

  // A consistent copy of the whole database, made while writes go on
  // (sqlite_backup.hpp; blocking). Only SQLite makes one (supports_backup());
  // PostgreSQL's is pg_dump's (README, "Backup and restore").
  virtual bool supports_backup() const { return false; }
  virtual detailed_result<std::shared_ptr<backup_copy>> backup();

  // Write batches, for /metrics.
  struct write_statistics {
    std::uint64_t batches = 0;
    std::uint64_t units = 0;
    std::uint64_t failed_batches = 0;
  };
  virtual write_statistics writer_stats() const = 0;
  // Reads are round trips to a server (see async_jobs.hpp): keep them off the event loop.
  virtual bool reads_block() const { return false; }
  // Rendered jobs, each dropped after a durable write to its job.
  view_cache& views() { return views_; }

protected:
  explicit job_store(std::size_t view_cache_bytes) : views_(view_cache_bytes) {}

  view_cache views_;
};

} // namespace weshopd::store
