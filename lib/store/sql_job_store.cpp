#include "store/sql_job_store.hpp"

#include "metrics/registry.hpp"

namespace weshopd::store {

namespace {

// Counted after the commit, so a rolled-back change is never counted.
void count_transition(job_state from, job_state to)
{
  metrics::process_registry()
    .counter_of("weshopd_job_transitions_total", "Job state changes, by the states left and entered.",
                {{"from", std::string(to_string(from))}, {"to", std::string(to_string(to))}})
    .add();
}

} // namespace

void sql_job_store::async_insert(new_job j, callback<insert_result> done)
{
  write<insert_result>(
    [this, j = std::move(j)](sql_db& db) {
      auto c = context();
      c.new_id = ids_.next(c.now);
      return scripts::insert(db, j, c);
    },
    std::move(done));
}

void sql_job_store::async_transition(std::string id, job_state from, job_state to, job_patch patch,
                                     std::string detail, callback<job> done)
{
  if (from != to ? !can_transition(from, to) : is_terminal(from)) {
    done(errc::illegal_transition);
    return;
  }
  auto written = id; // (the op below takes id; argument order is unspecified)
  write<job>(
    [this, id = std::move(id), from, to, patch = std::move(patch), detail = std::move(detail)](sql_db& db) {
      return scripts::transition(db, id, from, to, patch, detail, context());
    },
    [this, written = std::move(written), from, to, done = std::move(done)](result<job> r) {
      views_.invalidate(written); // after the commit: a view rendered before it is dropped
      if (r && from != to)
        count_transition(from, to);
      done(std::move(r));
    });
}

void sql_job_store::async_admit_held(std::string id, budget::admission a, callback<admit_result> done)
{
  auto written = id;
  write<admit_result>(
    [this, id = std::move(id), a = std::move(a)](sql_db& db) { return scripts::admit_held(db, id, a, context()); },
    [this, written = std::move(written), done = std::move(done)](result<admit_result> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void sql_job_store::async_record_upload(upload_record upload, callback<bool> done)
{
  write<bool>([this, upload = std::move(upload)](sql_db& db) { return scripts::record_upload(db, upload, context()); },
              std::move(done));
}

void sql_job_store::async_save_run_times(std::vector<run_time_row> rows, callback<std::size_t> done)
{
  write<std::size_t>([rows = std::move(rows)](sql_db& db) { return scripts::save_run_times(db, rows); },
                     std::move(done));
}

void sql_job_store::async_record_delivery(delivery_attempt attempt, callback<delivery> done)
{
  write<delivery>(
    [this, attempt = std::move(attempt)](sql_db& db) { return scripts::record_delivery(db, attempt, context()); },
    [this, done = std::move(done)](result<delivery> r) {
      if (r)
        views_.invalidate(r->job_id); // the job's view shows its deliveries
      done(std::move(r));
    });
}

void sql_job_store::async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                                        callback<bool> done)
{
  auto written = job_id;
  write<bool>(
    [this, job_id = std::move(job_id), files = std::move(files), failure = std::move(failure)](sql_db& db) {
      return scripts::record_mirror(db, job_id, files, failure, context());
    },
    [this, written = std::move(written), done = std::move(done)](result<bool> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void sql_job_store::async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done)
{
  auto written = job_ids;
  write<std::size_t>([job_ids = std::move(job_ids)](sql_db& db) { return scripts::expire_mirrors(db, job_ids); },
                     [this, written = std::move(written), done = std::move(done)](result<std::size_t> r) {
                       for (const auto& id : written)
                         views_.invalidate(id);
                       done(std::move(r));
                     });
}

void sql_job_store::async_purge_expired(timestamp finished_before, std::size_t max_jobs, callback<purge_batch> done)
{
  write<purge_batch>(
    [this, finished_before, max_jobs](sql_db& db) {
      return scripts::purge_expired(db, finished_before, max_jobs, context());
    },
    [this, done = std::move(done)](result<purge_batch> r) {
      if (r)
        for (const auto& id : r->ids)
          views_.invalidate(id);
      done(std::move(r));
    });
}

void sql_job_store::async_reclaim_space(std::size_t max_pages, callback<std::int64_t> done)
{
  write<std::int64_t>([max_pages](sql_db& db) { return scripts::reclaim_space(db, max_pages); }, std::move(done));
}

void sql_job_store::async_insert_batch(new_batch b, callback<batch_insert_result> done)
{
  write<batch_insert_result>(
    [this, b = std::move(b)](sql_db& db) {
      auto c = context();
      std::vector<std::string> ids; // the batch's, then its items' (in order: ids sort as items do)
      ids.reserve(b.items.size() + 1);
      for (std::size_t i = 0; i <= b.items.size(); ++i)
        ids.push_back(ids_.next(c.now));
      return scripts::insert_batch(db, b, ids, c);
    },
    std::move(done));
}

void sql_job_store::async_cancel_batch(std::string id, callback<batch_cancel_result> done)
{
  write<batch_cancel_result>([this, id = std::move(id)](sql_db& db) { return scripts::cancel_batch(db, id, context()); },
                             [this, done = std::move(done)](result<batch_cancel_result> r) {
                               if (r)
                                 for (const auto& j : r->canceled) {
                                   views_.invalidate(j.id);
                                   count_transition(job_state::queued, job_state::canceled);
                                 }
                               done(std::move(r));
                             });
}

result<batch> sql_job_store::get_batch(std::string_view id)
{
  return read<batch>([&](sql_db& db) { return scripts::get_batch(db, id); });
}

result<batch_page> sql_job_store::list_batches(const batch_query& query)
{
  return read<batch_page>([&](sql_db& db) { return scripts::list_batches(db, query); });
}

result<std::vector<job>> sql_job_store::batch_items(std::string_view batch_id, std::int64_t from, std::size_t limit)
{
  return read<std::vector<job>>([&](sql_db& db) { return scripts::batch_items(db, batch_id, from, limit); });
}

result<std::vector<job_event>> sql_job_store::batch_events(std::string_view batch_id, std::int64_t after_event_id,
                                                           std::size_t limit)
{
  return read<std::vector<job_event>>(
    [&](sql_db& db) { return scripts::batch_events(db, batch_id, after_event_id, limit); });
}

result<job> sql_job_store::get(std::string_view id)
{
  return read<job>([&](sql_db& db) { return scripts::get(db, id); });
}

result<job_page> sql_job_store::list(const list_query& query)
{
  return read<job_page>([&](sql_db& db) { return scripts::list(db, query); });
}

result<std::vector<job_event>> sql_job_store::events(std::string_view job_id, std::int64_t after_event_id)
{
  return read<std::vector<job_event>>([&](sql_db& db) { return scripts::events(db, job_id, after_event_id); });
}

result<std::vector<job_event>> sql_job_store::events_after(std::int64_t after_event_id, std::size_t limit)
{
  return read<std::vector<job_event>>([&](sql_db& db) { return scripts::events_after(db, after_event_id, limit); });
}

result<std::vector<delivery>> sql_job_store::deliveries(std::string_view job_id)
{
  return read<std::vector<delivery>>([&](sql_db& db) { // a batch's end is the batch's, not this item's
    return scripts::deliveries(db, "WHERE d.job_id = ?1 AND d.batch_id IS NULL ORDER BY d.id", sql_args().add(job_id));
  });
}

result<std::vector<delivery>> sql_job_store::due_deliveries(timestamp now, std::size_t limit)
{
  return read<std::vector<delivery>>([&](sql_db& db) {
    return scripts::deliveries(db, "WHERE d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at, d.id LIMIT ?2",
                               sql_args().add(to_unix_ms(now)).add(static_cast<std::int64_t>(limit)));
  });
}

result<std::optional<timestamp>> sql_job_store::next_delivery_due()
{
  return read<std::optional<timestamp>>([&](sql_db& db) { return scripts::next_delivery_due(db); });
}

result<std::optional<upload_record>> sql_job_store::find_upload(std::string_view sha256)
{
  return read<std::optional<upload_record>>([&](sql_db& db) { return scripts::upload_where(db, "sha256", sha256); });
}

result<std::optional<upload_record>> sql_job_store::find_upload_by_url(std::string_view url)
{
  return read<std::optional<upload_record>>([&](sql_db& db) { return scripts::upload_where(db, "url", url); });
}

result<std::vector<job>> sql_job_store::unfinished()
{
  return read<std::vector<job>>([&](sql_db& db) { return scripts::unfinished(db); });
}

result<std::vector<job>> sql_job_store::mirror_backlog(std::size_t limit)
{
  return read<std::vector<job>>([&](sql_db& db) { return scripts::mirror_backlog(db, limit); });
}

result<std::optional<result_file>> sql_job_store::find_result_file(std::string_view job_id, int n)
{
  return read<std::optional<result_file>>([&](sql_db& db) { return scripts::find_result_file(db, job_id, n); });
}

result<std::vector<result_file>> sql_job_store::result_files()
{
  return read<std::vector<result_file>>([&](sql_db& db) { return scripts::result_files(db); });
}

result<std::vector<run_time_row>> sql_job_store::run_times()
{
  return read<std::vector<run_time_row>>([&](sql_db& db) { return scripts::run_times(db); });
}

result<std::vector<job_count>> sql_job_store::counts()
{
  return read<std::vector<job_count>>([&](sql_db& db) { return scripts::counts(db); });
}

result<std::int64_t> sql_job_store::count_finished_since(job_state state, timestamp since)
{
  return read<std::int64_t>([&](sql_db& db) { return scripts::count_finished_since(db, state, since); });
}

result<std::vector<job>> sql_job_store::held_jobs(std::size_t limit)
{
  return read<std::vector<job>>([&](sql_db& db) { return scripts::held_jobs(db, limit); });
}

result<std::map<std::string, std::int64_t>> sql_job_store::budget_used(std::string_view window)
{
  return read<std::map<std::string, std::int64_t>>([&](sql_db& db) { return scripts::budget_used(db, window); });
}

result<std::vector<usage_row>> sql_job_store::usage(std::string_view from, std::string_view to, usage_group group,
                                                    const std::optional<std::string>& token)
{
  return read<std::vector<usage_row>>([&](sql_db& db) { return scripts::usage(db, from, to, group, token); });
}

} // namespace weshopd::store
