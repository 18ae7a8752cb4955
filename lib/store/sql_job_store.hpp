#pragma once
// The job store's core, shared by both backends: every method of the contract
// (job_store.hpp) as a script of job_scripts.hpp, run through the backend's
// group-commit writer (writes) or one of its reader connections (reads).
// After each durable write it drops the job's rendered view and counts the
// transition (weshopd_job_transitions_total).
//
// A backend (sqlite_job_store, postgres_job_store) supplies only its
// connections: the writer's (start_writer) and a reader for each read
// (with_reader, which turns the database's failures into errc).

#include "store/job_scripts.hpp"
#include "store/job_store.hpp"
#include "store/sql_db.hpp"

#include <future>

namespace weshopd::store {

class sql_job_store : public job_store {
public:
  void async_insert(new_job j, callback<insert_result> done) final;
  void async_transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail,
                        callback<job> done) final;
  void async_record_upload(upload_record upload, callback<bool> done) final;
  void async_admit_held(std::string id, budget::admission a, callback<admit_result> done) final;
  void async_record_delivery(delivery_attempt attempt, callback<delivery> done) final;
  void async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                           callback<bool> done) final;
  void async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done) final;
  void async_purge_expired(timestamp finished_before, std::size_t max_jobs, callback<purge_batch> done) final;
  void async_reclaim_space(std::size_t max_pages, callback<std::int64_t> done) final;
  void async_insert_batch(new_batch b, callback<batch_insert_result> done) final;
  void async_cancel_batch(std::string id, callback<batch_cancel_result> done) final;
  void async_save_run_times(std::vector<run_time_row> rows, callback<std::size_t> done) final;

  result<job> get(std::string_view id) final;
  result<job_page> list(const list_query& query) final;
  result<batch> get_batch(std::string_view id) final;
  result<batch_page> list_batches(const batch_query& query) final;
  result<std::vector<job>> batch_items(std::string_view batch_id, std::int64_t from, std::size_t limit) final;
  result<std::vector<job_event>> batch_events(std::string_view batch_id, std::int64_t after_event_id,
                                              std::size_t limit) final;
  result<std::vector<job_event>> events(std::string_view job_id, std::int64_t after_event_id) final;
  result<std::vector<job_event>> events_after(std::int64_t after_event_id, std::size_t limit) final;
  result<std::vector<delivery>> deliveries(std::string_view job_id) final;
  result<std::vector<delivery>> due_deliveries(timestamp now, std::size_t limit) final;
  result<std::optional<timestamp>> next_delivery_due() final;
  result<std::optional<upload_record>> find_upload(std::string_view sha256) final;
  result<std::optional<upload_record>> find_upload_by_url(std::string_view url) final;
  result<std::vector<job>> unfinished() final;
  result<std::vector<job>> mirror_backlog(std::size_t limit) final;
  result<std::optional<result_file>> find_result_file(std::string_view job_id, int n) final;
  result<std::vector<result_file>> result_files() final;
  result<std::vector<job_count>> counts() final;
  result<std::int64_t> count_finished_since(job_state state, timestamp since) final;
  result<std::vector<run_time_row>> run_times() final;
  result<std::vector<job>> held_jobs(std::size_t limit) final;
  result<std::map<std::string, std::int64_t>> budget_used(std::string_view window) final;
  result<std::vector<usage_row>> usage(std::string_view from, std::string_view to, usage_group group,
                                       const std::optional<std::string>& token) final;

  write_statistics writer_stats() const final { return writer_->stats(); }

protected:
  sql_job_store(const job_store_options& options, std::size_t view_cache_bytes)
    : job_store(view_cache_bytes), options_(options)
  {
  }
  ~sql_job_store() override { writer_.reset(); } // runs what is queued while the store stands

  // Starts the group-commit writer on `db`; each unit sees it as a `Db`
  // (the backend's sql_db). `reopen` replaces a lost connection.
  template <class Db, class Connection>
  void start_writer(std::unique_ptr<Connection> db, typename basic_group_commit<Connection>::opener reopen = {});
  // Runs `f` on a reader connection of the calling thread; a failure of the
  // database is the answer.
  virtual boost::system::error_code with_reader(const std::function<void(sql_db&)>& f) = 0;

  // The time and this daemon's name, for a write.
  scripts::write_context context() const { return {options_.clock(), {}, options_.owner}; }

  template <class T>
  void write(std::function<result<T>(sql_db&)> op, callback<T> done);
  // A write whose caller waits for it (lease claims; not for I/O threads).
  template <class T>
  result<T> write_and_wait(std::function<result<T>(sql_db&)> op)
  {
    std::promise<result<T>> promise;
    auto future = promise.get_future();
    write<T>(std::move(op), [&promise](result<T> r) { promise.set_value(std::move(r)); });
    return future.get();
  }
  template <class T, class F>
  result<T> read(F&& f)
  {
    std::optional<result<T>> out;
    if (const auto ec = with_reader([&](sql_db& db) { out.emplace(f(db)); }))
      return result<T>(boost::system::in_place_error, ec);
    return std::move(*out);
  }

  job_store_options options_;
  uuid7_generator ids_;

private:
  using unit = std::function<void(sql_db&)>;
  using completion = std::function<void(boost::system::error_code)>;
  // The backend's writer, as the core sees it.
  struct writer {
    virtual ~writer() = default;
    // Queues `w`; `done` runs once the batch holding it is durable (or
    // failed). A refusal (overloaded, shutting down) is returned instead.
    virtual boost::system::error_code submit(unit w, completion done) = 0;
    virtual write_statistics stats() const = 0;
  };
  template <class Db, class Connection>
  struct writer_of;

  std::unique_ptr<writer> writer_;
};

template <class Db, class Connection>
struct sql_job_store::writer_of final : writer {
  basic_group_commit<Connection> commit;

  writer_of(std::unique_ptr<Connection> db, const group_commit_options& o, typename basic_group_commit<Connection>::opener r)
    : commit(std::move(db), o, std::move(r))
  {
  }
  boost::system::error_code submit(unit w, completion done) override
  {
    return commit.submit([w = std::move(w)](Connection& c) {
      Db db(c);
      w(db);
    }, std::move(done));
  }
  write_statistics stats() const override
  {
    const auto s = commit.stats();
    return {s.batches, s.units, s.failed_batches};
  }
};

template <class Db, class Connection>
void sql_job_store::start_writer(std::unique_ptr<Connection> db, typename basic_group_commit<Connection>::opener reopen)
{
  writer_ = std::make_unique<writer_of<Db, Connection>>(std::move(db), options_.writer, std::move(reopen));
}

// Thrown inside a unit whose result is a refusal, so that its savepoint is
// rolled back; the refusal itself is reported.
struct unit_refused : std::exception {};

template <class T>
void sql_job_store::write(std::function<result<T>(sql_db&)> op, callback<T> done)
{
  auto outcome = std::make_shared<std::optional<result<T>>>();
  const auto failure = [](boost::system::error_code ec) { return result<T>(boost::system::in_place_error, ec); };
  auto refused = writer_->submit(
    [op = std::move(op), outcome](sql_db& db) {
      outcome->emplace(op(db));
      if (!outcome->value())
        throw unit_refused{};
    },
    [outcome, done, failure](boost::system::error_code ec) {
      if (*outcome && !outcome->value())
        done(outcome->value()); // the unit's own refusal (nothing was written)
      else if (ec)
        done(failure(ec));
      else
        done(std::move(outcome->value()));
    });
  if (refused)
    done(failure(refused));
}

} // namespace weshopd::store
