#pragma once
// The durable job store on SQLite: the only code that knows the jobs tables.
//
// Writes go through one group-commit writer thread: each write's callback runs
// (on that thread) only after the transaction holding it is durable. Reads use
// a small pool of separate read-only connections (WAL lets them run beside the
// writer). Every method is thread-safe. Expected failures are values:
// not_found, stale_state (compare-and-set lost), illegal_transition,
// idempotency_conflict, overloaded, and storage_* for a failing disk.

#include "common/error.hpp"
#include "common/uuid7.hpp"
#include "job/job.hpp"
#include "store/group_commit.hpp"
#include "store/sqlite.hpp"
#include "store/view_cache.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::store {

struct job_store_options {
  std::string path{};
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
};

struct insert_result {
  job created_or_existing;
  bool created = false; // false: the Idempotency-Key named an existing, identical request
};

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
  bool mirror_results = false; // (on success) the result images are to be copied: see mirror_backlog()
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

struct upload_record {
  std::string sha256;
  std::string url;
  std::int64_t size = 0;
};

class job_store {
public:
  template <class T>
  using callback = std::function<void(result<T>)>;

  // Opens (creating if needed) and migrates the database. A tampered or too
  // new schema, or an unopenable file, is an error with a message.
  static result<std::unique_ptr<job_store>> open(const job_store_options& options, std::string* message = nullptr);

  job_store(const job_store&) = delete;
  job_store& operator=(const job_store&) = delete;
  ~job_store();

  // --- writes (group-committed) ---
  void async_insert(new_job j, callback<insert_result> done);
  // Compare-and-set: applies only while the job is in `from`. from == to
  // updates a non-terminal job without an event; otherwise the state machine
  // must allow from -> to and an event row is written in the same transaction.
  void async_transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail,
                        callback<job> done);
  void async_record_upload(upload_record upload, callback<bool> done);
  // Records a delivery attempt (delivered, to retry, or given up).
  void async_record_delivery(delivery_attempt attempt, callback<delivery> done);

  // The copies of a job's results (maybe none) and how mirroring ended:
  // failure empty means done. The job's results gain localUrl, sha256, bytes.
  void async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                           callback<bool> done);
  // Forgets the copies of these jobs (their files are to be deleted next):
  // the rows go, and the fields the copies added to each job's results.
  void async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done);

  // Blocking forms of the writes (for tools and tests; not for I/O threads).
  result<insert_result> insert(new_job j);
  result<job> transition(std::string id, job_state from, job_state to, job_patch patch = {}, std::string detail = {});
  result<bool> record_upload(upload_record upload);
  result<bool> record_mirror(std::string job_id, std::vector<result_file> files, std::string failure = {});
  result<std::size_t> expire_mirrors(std::vector<std::string> job_ids);
  result<delivery> record_delivery(delivery_attempt attempt);

  // --- reads ---
  result<job> get(std::string_view id);
  result<job_page> list(const list_query& query);
  result<std::vector<job_event>> events(std::string_view job_id, std::int64_t after_event_id = 0);
  // Events of every job after an event id, in order (resuming a live stream).
  result<std::vector<job_event>> events_after(std::int64_t after_event_id, std::size_t limit);
  result<std::vector<delivery>> deliveries(std::string_view job_id);
  // Pending deliveries due at `now`, oldest due first.
  result<std::vector<delivery>> due_deliveries(timestamp now, std::size_t limit);
  // When the next pending delivery is due, if any.
  result<std::optional<timestamp>> next_delivery_due();
  result<std::optional<upload_record>> find_upload(std::string_view sha256);
  // Every job not in a terminal state, oldest first (recovery on start).
  result<std::vector<job>> unfinished();
  // Succeeded jobs whose results still need copying, oldest first.
  result<std::vector<job>> mirror_backlog(std::size_t limit);
  result<std::optional<result_file>> find_result_file(std::string_view job_id, int n);
  // Every copy, oldest first (the retention sweep chooses from these).
  result<std::vector<result_file>> result_files();
  // Jobs by agent and state (kept by triggers: a few rows, never a table scan).
  result<std::vector<job_count>> counts();

  group_commit::statistics writer_stats() const { return writer_->stats(); }
  // Rendered jobs, each dropped after a durable write to its job.
  view_cache& views() { return views_; }

private:
  explicit job_store(const job_store_options& options);

  class reader_lease;
  reader_lease acquire_reader();
  template <class T, class F>
  result<T> read(F&& f);
  template <class T>
  void write(std::function<result<T>(connection&)> op, callback<T> done);

  job_store_options options_;
  uuid7_generator ids_;
  std::unique_ptr<group_commit> writer_;
  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<connection>> idle_readers_;
  view_cache views_;
};

} // namespace weshopd::store
