#pragma once
// The job store's SQL, written once for both backends over sql_db (the
// dialect covers what differs). Writes run inside the caller's transaction (a
// group-commit unit); reads on any connection. Failures of the database throw
// (see sql_db.hpp); expected refusals are errc values. The contract each
// script keeps is the one of the job_store method of the same name.

#include "store/job_store.hpp"
#include "store/sql_db.hpp"

namespace weshopd::store::scripts {

// What a write needs besides its arguments: the time, and for a new job its id
// and the daemon that takes it (PostgreSQL's claims).
struct write_context {
  timestamp now;
  std::string new_id{};
  std::string owner{};
};

// --- writes (job_writes.cpp) ---
result<insert_result> insert(sql_db& db, const new_job& j, const write_context& c);
result<job> transition(sql_db& db, const std::string& id, job_state from, job_state to, const job_patch& patch,
                       const std::string& detail, const write_context& c);
result<admit_result> admit_held(sql_db& db, const std::string& id, const budget::admission& a, const write_context& c);
result<bool> record_upload(sql_db& db, const upload_record& upload, const write_context& c);
result<std::size_t> save_run_times(sql_db& db, const std::vector<run_time_row>& rows);
result<delivery> record_delivery(sql_db& db, const delivery_attempt& attempt, const write_context& c);
result<bool> record_mirror(sql_db& db, const std::string& job_id, const std::vector<result_file>& files,
                           const std::string& failure, const write_context& c);
result<std::size_t> expire_mirrors(sql_db& db, const std::vector<std::string>& job_ids);
// (batch_scripts.cpp) item_ids: the batch's id, then one per item.
result<batch_insert_result> insert_batch(sql_db& db, const new_batch& b, const std::vector<std::string>& ids,
                                         const write_context& c);
result<batch_cancel_result> cancel_batch(sql_db& db, const std::string& id, const write_context& c);
// An item moved from -> to: its batch's counts follow (in the same transaction).
void count_batch_item(sql_db& db, const job& item, job_state from, job_state to, const write_context& c);
result<batch> get_batch(sql_db& db, std::string_view id);
batch_page list_batches(sql_db& db, const batch_query& query);
std::vector<job> batch_items(sql_db& db, std::string_view batch_id, std::int64_t from, std::size_t limit);
std::vector<job_event> batch_events(sql_db& db, std::string_view batch_id, std::int64_t after_event_id, std::size_t limit);
// (job_writes.cpp) one new job's row and its creation event: the steps insert and insert_batch share.
job insert_job_row(sql_db& db, const new_job& j, const write_context& c, bool held);
// What a's limits have committed in its window (locked on PostgreSQL), and
// the thresholds `cost` crosses once admitted (marked as sent).
struct window_usage {
  std::vector<budget::micros> used;
  std::vector<int> alerted;
};
window_usage usage_of(sql_db& db, const budget::admission& a);
std::vector<budget::budget_alert> announce(sql_db& db, const budget::admission& a, const window_usage& u,
                                           budget::micros cost);
// (job_purge.cpp)
result<purge_batch> purge_expired(sql_db& db, timestamp finished_before, std::size_t max_jobs, const write_context& c);
result<std::int64_t> reclaim_space(sql_db& db, std::size_t max_pages);
// The jobs a purge takes (?1 the cutoff, ?2 the limit): exposed for the test of its query plan.
std::string purge_candidates_sql();

// --- reads (job_reads.cpp) ---
std::string select_jobs(const sql_dialect& d, std::string_view where);
result<job> get(sql_db& db, std::string_view id);
job_page list(sql_db& db, const list_query& query);
std::vector<job_event> events(sql_db& db, std::string_view job_id, std::int64_t after_event_id);
std::vector<job_event> events_after(sql_db& db, std::int64_t after_event_id, std::size_t limit);
std::vector<delivery> deliveries(sql_db& db, std::string_view where_order, const sql_args& args);
std::optional<timestamp> next_delivery_due(sql_db& db);
// One upload by sha256 or url (a column name of ours, never input).
std::optional<upload_record> upload_where(sql_db& db, std::string_view column, std::string_view value);
std::vector<job> unfinished(sql_db& db);
std::vector<job> mirror_backlog(sql_db& db, std::size_t limit);
std::optional<result_file> find_result_file(sql_db& db, std::string_view job_id, int n);
std::vector<result_file> result_files(sql_db& db);
std::vector<job_count> counts(sql_db& db);
std::vector<run_time_row> run_times(sql_db& db);
std::vector<job> held_jobs(sql_db& db, std::size_t limit);
std::map<std::string, std::int64_t> budget_used(sql_db& db, std::string_view window);
std::vector<usage_row> usage(sql_db& db, std::string_view from, std::string_view to, usage_group group,
                             const std::optional<std::string>& token);
std::int64_t count_finished_since(sql_db& db, job_state state, timestamp since);

} // namespace weshopd::store::scripts
