#pragma once
// The job store on SQLite, the embedded default for one host.
//
// Writes go through one group-commit writer thread: each write's callback runs
// (on that thread) only after the transaction holding it is durable. Reads use
// a small pool of separate read-only connections (WAL lets them run beside the
// writer).

#include "store/job_store.hpp"
#include "store/sqlite.hpp"

#include <condition_variable>
#include <mutex>

namespace weshopd::store {

class sqlite_job_store final : public job_store {
public:
  static result<std::unique_ptr<job_store>> open(const job_store_options& options, std::string* message = nullptr);
  ~sqlite_job_store() override;

  // The contract: job_store.hpp.
  void async_insert(new_job j, callback<insert_result> done) override;
  void async_transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail,
                        callback<job> done) override;
  void async_record_upload(upload_record upload, callback<bool> done) override;
  void async_record_delivery(delivery_attempt attempt, callback<delivery> done) override;
  void async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                           callback<bool> done) override;
  void async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done) override;
  result<job> get(std::string_view id) override;
  result<job_page> list(const list_query& query) override;
  result<std::vector<job_event>> events(std::string_view job_id, std::int64_t after_event_id) override;
  result<std::vector<job_event>> events_after(std::int64_t after_event_id, std::size_t limit) override;
  result<std::vector<delivery>> deliveries(std::string_view job_id) override;
  result<std::vector<delivery>> due_deliveries(timestamp now, std::size_t limit) override;
  result<std::optional<timestamp>> next_delivery_due() override;
  result<std::optional<upload_record>> find_upload(std::string_view sha256) override;
  result<std::optional<upload_record>> find_upload_by_url(std::string_view url) override;
  result<std::vector<job>> unfinished() override;
  result<std::vector<job>> mirror_backlog(std::size_t limit) override;
  result<std::optional<result_file>> find_result_file(std::string_view job_id, int n) override;
  result<std::vector<result_file>> result_files() override;
  result<std::vector<job_count>> counts() override;
  result<std::int64_t> count_finished_since(job_state state, timestamp since) override;
  result<std::vector<job>> held_jobs(std::size_t limit) override;
  result<std::map<std::string, std::int64_t>> budget_used(std::string_view window) override;
  result<std::vector<usage_row>> usage(std::string_view from, std::string_view to, usage_group group,
                                       const std::optional<std::string>& token) override;
  void async_admit_held(std::string id, budget::admission a, callback<admit_result> done) override;
  result<std::vector<job>> claim_unfinished(std::size_t limit) override;
  result<bool> renew_lease() override;
  result<bool> release_lease() override;

  write_statistics writer_stats() const override;

private:
  // One upload by sha256 or url (a column name of ours, never input).
  result<std::optional<upload_record>> upload_where(std::string_view column, std::string_view value);
  explicit sqlite_job_store(const job_store_options& options);

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
};

} // namespace weshopd::store
