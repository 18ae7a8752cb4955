#include "store/sqlite_job_store.hpp"

#include "metrics/registry.hpp"
#include "store/job_rows.hpp"
#include "store/migrator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <future>

namespace weshopd::store {

namespace {

std::string select_jobs(std::string_view where)
{
  return "SELECT " + std::string(job_columns) + " FROM jobs " + std::string(where);
}

// Writes the event row, makes it the job's latest, and queues the job's
// local webhook for it, all in the caller's transaction. Returns the event id.
std::int64_t insert_event(connection& db, const job& j, std::optional<job_state> from, job_state to, timestamp at,
                          const std::string& detail)
{
  std::optional<std::string_view> from_text;
  if (from)
    from_text = to_string(*from);
  db.prepare("INSERT INTO job_events (job_id, from_state, to_state, at, detail) VALUES (?, ?, ?, ?, ?)")
    ->bind_all(j.id, from_text, to_string(to), to_unix_ms(at), detail)
    .step();
  const auto event_id = db.last_insert_rowid();
  db.prepare("UPDATE jobs SET last_event_id = ? WHERE id = ?")->bind_all(event_id, j.id).step();
  if (j.notify_url && (j.notify_all || is_terminal(to)))
    db.prepare("INSERT INTO deliveries (job_id, event_id, url, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)")
      ->bind_all(j.id, event_id, *j.notify_url, to_unix_ms(at))
      .step();
  return event_id;
}

std::vector<delivery> select_deliveries(connection& db, std::string_view where_order,
                                        const std::function<void(statement&)>& bind)
{
  auto st = db.prepare("SELECT " + std::string(delivery_columns) +
                       " FROM deliveries d JOIN job_events e ON e.id = d.event_id " + std::string(where_order));
  bind(*st);
  std::vector<delivery> out;
  while (st->step())
    out.push_back(read_delivery(*st));
  return out;
}

// What each of a's limits has committed in its window, and the alert already
// sent for it.
struct window_usage {
  std::vector<budget::micros> used;
  std::vector<int> alerted;
};

window_usage usage_of(connection& db, const budget::admission& a)
{
  window_usage u;
  for (const auto& l : a.limits) {
    auto st = db.prepare("SELECT used, alerted FROM budget_usage WHERE budget_window = ? AND scope = ?");
    st->bind_all(a.window, l.scope);
    const bool found = st->step();
    u.used.push_back(found ? st->int64(0) : 0);
    u.alerted.push_back(found ? static_cast<int>(st->int64(1)) : 0);
  }
  return u;
}

void mark_alerted(connection& db, const std::vector<budget::budget_alert>& alerts)
{
  for (const auto& a : alerts)
    db.prepare("INSERT INTO budget_usage (budget_window, scope, alerted) VALUES (?1, ?2, ?3)"
               " ON CONFLICT (budget_window, scope) DO UPDATE SET alerted = ?3")
      ->bind_all(a.window, a.scope, a.percent)
      .step();
}

// Every row a statement that selected job_columns yields.
std::vector<job> jobs_of(statement& st)
{
  std::vector<job> out;
  while (st.step())
    out.push_back(read_job(st));
  return out;
}

result<job> select_job(connection& db, std::string_view id)
{
  static const std::string sql = select_jobs("WHERE id = ?");
  auto st = db.prepare(sql);
  st->bind_all(id);
  if (!st->step())
    return errc::not_found;
  return read_job(*st);
}

// Thrown inside a write unit that refuses (its result is an error) so that
// the unit's SAVEPOINT is rolled back; the refusal itself is reported.
struct unit_refused : std::exception {};

// Counted after the commit, so a rolled-back change is never counted.
void count_transition(job_state from, job_state to)
{
  metrics::process_registry()
    .counter_of("weshopd_job_transitions_total", "Job state changes, by the states left and entered.",
                {{"from", std::string(to_string(from))}, {"to", std::string(to_string(to))}})
    .add();
}

} // namespace

// A read-only connection borrowed from the pool for one read.
class sqlite_job_store::reader_lease {
public:
  reader_lease(sqlite_job_store& store, std::unique_ptr<connection> db) : store_(store), db_(std::move(db)) {}
  reader_lease(reader_lease&&) = default;
  ~reader_lease()
  {
    if (!db_)
      return;
    {
      std::lock_guard lock(store_.readers_mutex_);
      store_.idle_readers_.push_back(std::move(db_));
    }
    store_.reader_free_.notify_one();
  }
  connection& operator*() const { return *db_; }

private:
  sqlite_job_store& store_;
  std::unique_ptr<connection> db_;
};

result<std::unique_ptr<job_store>> sqlite_job_store::open(const job_store_options& options, std::string* message)
{
  try {
    auto db = std::make_unique<connection>(
      connection_options{options.path, false, options.synchronous, options.busy_timeout_ms});
    const auto outcome = migrate(*db, embedded_migrations());
    if (outcome.error) {
      if (message)
        *message = outcome.message;
      return outcome.error;
    }
    std::unique_ptr<sqlite_job_store> store(new sqlite_job_store(options));
    for (std::size_t i = 0; i < std::max<std::size_t>(options.readers, 1); ++i)
      store->idle_readers_.push_back(std::make_unique<connection>(
        connection_options{options.path, true, options.synchronous, options.busy_timeout_ms}));
    store->writer_ = std::make_unique<group_commit>(std::move(db), options.writer);
    return store;
  } catch (const sqlite_error& e) {
    if (message)
      *message = e.what();
    return e.to_errc();
  }
}

sqlite_job_store::sqlite_job_store(const job_store_options& options) : job_store(options.view_cache_bytes), options_(options) {}

sqlite_job_store::~sqlite_job_store() = default;

sqlite_job_store::reader_lease sqlite_job_store::acquire_reader()
{
  std::unique_lock lock(readers_mutex_);
  reader_free_.wait(lock, [&] { return !idle_readers_.empty(); });
  auto db = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return reader_lease(*this, std::move(db));
}

job_store::write_statistics sqlite_job_store::writer_stats() const
{
  const auto s = writer_->stats();
  return {s.batches, s.units, s.failed_batches};
}

template <class T, class F>
result<T> sqlite_job_store::read(F&& f)
{
  auto db = acquire_reader();
  try {
    return f(*db);
  } catch (const sqlite_error& e) {
    return e.to_errc();
  } catch (const std::runtime_error&) { // a row the schema should have refused
    return errc::storage_corrupt;
  }
}

template <class T>
void sqlite_job_store::write(std::function<result<T>(connection&)> op, callback<T> done)
{
  auto outcome = std::make_shared<std::optional<result<T>>>();
  const auto failure = [](boost::system::error_code ec) { return result<T>(boost::system::in_place_error, ec); };
  auto refused = writer_->submit(
    [op = std::move(op), outcome](connection& db) {
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

void sqlite_job_store::async_insert(new_job j, callback<insert_result> done)
{
  write<insert_result>(
    [this, j = std::move(j)](connection& db) -> result<insert_result> {
      // Keys are per API token (migration 0008's index: the same expression).
      static const std::string by_key = select_jobs("WHERE coalesce(token_name, '') = ? AND idempotency_key = ?");
      if (j.idempotency_key) {
        auto st = db.prepare(by_key);
        st->bind_all(j.token_name.value_or(""), *j.idempotency_key);
        if (st->step()) {
          auto existing = read_job(*st);
          if (existing.request_hash != j.request_hash)
            return errc::idempotency_conflict;
          return insert_result{std::move(existing), false};
        }
      }
      const auto now = options_.clock();
      // Admission: one writer, so the check and the insert below are atomic.
      const auto cost = j.images * j.unit_price;
      const auto usage = usage_of(db, j.admit);
      const bool over = !budget::fits(j.admit.limits, usage.used, cost);
      if (over && !j.admit.hold_when_over)
        return errc::budget_exceeded;
      job row;
      row.images = j.images;
      row.unit_price = j.unit_price;
      row.token_name = j.token_name;
      row.held = over;
      if (!over)
        row.budget_window = j.admit.window;
      row.id = ids_.next(now);
      row.agent = j.agent;
      row.agent_version = j.agent_version;
      row.input = j.input;
      row.params = j.params;
      row.idempotency_key = j.idempotency_key;
      row.request_hash = j.request_hash;
      row.deadline_at = j.deadline_at;
      row.created_at = row.updated_at = now;
      std::optional<std::int64_t> deadline;
      if (j.deadline_at)
        deadline = to_unix_ms(*j.deadline_at);
      row.notify_url = j.notify_url;
      row.notify_all = j.notify_all;
      row.retry_of = j.retry_of;
      row.warnings = j.warnings;
      db.prepare("INSERT INTO jobs (id, agent, agent_version, input, params, state, request_hash,"
                 " idempotency_key, deadline_at, created_at, updated_at, notify_url, notify_all, retry_of,"
                 " images, unit_price, budget_window, token_name, held, warnings)"
                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        ->bind_all(row.id, row.agent, row.agent_version, boost::json::serialize(row.input),
                   boost::json::serialize(row.params), to_string(job_state::queued), row.request_hash,
                   row.idempotency_key, deadline, to_unix_ms(now), to_unix_ms(now), row.notify_url, row.notify_all,
                   row.retry_of, row.images, row.unit_price, row.budget_window, row.token_name, row.held,
                   warnings_column(row.warnings))
        .step();
      std::vector<budget::budget_alert> alerts;
      if (!over) {
        alerts = budget::crossings(j.admit, usage.used, usage.alerted, cost);
        mark_alerted(db, alerts);
      }
      // The other columns are the schema's defaults, which job's are too (the
      // store test reads a new job back to hold them to that).
      row.last_event_id = insert_event(db, row, std::nullopt, job_state::queued, now, over ? "held: budget_exhausted" : "created");
      return insert_result{std::move(row), true, std::move(alerts)};
    },
    std::move(done));
}

void sqlite_job_store::async_transition(std::string id, job_state from, job_state to, job_patch patch, std::string detail,
                                 callback<job> done)
{
  if (from != to ? !can_transition(from, to) : is_terminal(from)) {
    done(errc::illegal_transition);
    return;
  }
  auto written = id; // (the op below takes id; argument order is unspecified)
  write<job>(
    [this, id = std::move(id), from, to, patch = std::move(patch), detail = std::move(detail)](
      connection& db) -> result<job> {
      const auto now = options_.clock();
      const auto& error = patch.error ? *patch.error : std::nullopt;
      const auto columns = columns_of(patch);
      const auto& [input, results, next_attempt] = columns;
      static const std::string update =
        "UPDATE jobs SET state = ?1,"
                 " input = CASE WHEN ?20 THEN ?21 ELSE input END,"
                 " execution_id = CASE WHEN ?2 THEN ?3 ELSE execution_id END,"
                 " upstream_status = CASE WHEN ?4 THEN ?5 ELSE upstream_status END,"
                 " results = CASE WHEN ?6 THEN ?7 ELSE results END,"
                 " error_code = CASE WHEN ?8 THEN ?9 ELSE error_code END,"
                 " error_message = CASE WHEN ?8 THEN ?10 ELSE error_message END,"
                 " error_retryable = CASE WHEN ?8 THEN ?11 ELSE error_retryable END,"
                 " attempts = CASE WHEN ?12 THEN ?13 ELSE attempts END,"
                 " next_attempt_at = CASE WHEN ?16 THEN NULL WHEN ?14 THEN ?15 ELSE next_attempt_at END,"
                 " updated_at = ?17,"
                 " finished_at = CASE WHEN ?16 THEN ?17 ELSE NULL END,"
                 " callback_token_hash = CASE WHEN ?22 THEN ?23 ELSE callback_token_hash END,"
                 " mirror = CASE WHEN ?24 THEN 'pending' ELSE mirror END,"
                 " images_actual = CASE WHEN ?25 THEN ?26 ELSE images_actual END"
                 " WHERE id = ?18 AND state = ?19 RETURNING " + std::string(job_columns);
      std::optional<job> updated;
      {
        auto st = db.prepare(update);
        st->bind_all(to_string(to), patch.execution_id.has_value(), patch.execution_id,
                   patch.upstream_status.has_value(), patch.upstream_status, results.has_value(), results,
                   patch.error.has_value(), error ? std::optional(error->code) : std::nullopt,
                   error ? std::optional(error->message) : std::nullopt,
                   error ? std::optional<bool>(error->retryable) : std::nullopt, patch.attempts.has_value(),
                   patch.attempts, patch.next_attempt_at.has_value(), next_attempt, is_terminal(to),
                   to_unix_ms(now), id, to_string(from), input.has_value(), input,
                   patch.callback_token_hash.has_value(), patch.callback_token_hash, patch.mirror_results,
                   patch.images_actual.has_value(), patch.images_actual);
        if (st->step()) // RETURNING: the row as written, without a second lookup
          updated = read_job(*st);
      }
      if (!updated) {
        auto current = select_job(db, id);
        return current ? result<job>(errc::stale_state) : current;
      }
      if (from != to)
        updated->last_event_id = insert_event(db, *updated, from, to, now, detail);
      return std::move(*updated);
    },
    [this, written = std::move(written), from, to, done = std::move(done)](result<job> r) {
      views_.invalidate(written); // after the commit: a view rendered before it is dropped
      if (r && from != to)
        count_transition(from, to);
      done(std::move(r));
    });
}

void sqlite_job_store::async_admit_held(std::string id, budget::admission a, callback<admit_result> done)
{
  auto written = id;
  write<admit_result>(
    [this, id = std::move(id), a = std::move(a)](connection& db) -> result<admit_result> {
      auto current = select_job(db, id);
      if (!current)
        return current.error();
      if (!current->held || current->state != job_state::queued)
        return admit_result{std::move(*current), false, {}};
      const auto cost = current->images * current->unit_price;
      const auto usage = usage_of(db, a);
      if (!budget::fits(a.limits, usage.used, cost))
        return admit_result{std::move(*current), false, {}};
      const auto now = to_unix_ms(options_.clock());
      static const std::string admit =
        "UPDATE jobs SET held = 0, budget_window = ?1, updated_at = ?2,"
        " deadline_at = CASE WHEN deadline_at IS NULL THEN NULL ELSE ?2 + (deadline_at - created_at) END"
        " WHERE id = ?3 AND held = 1 RETURNING " + std::string(job_columns);
      auto st = db.prepare(admit);
      st->bind_all(a.window, now, id);
      if (!st->step())
        return errc::stale_state;
      auto admitted = read_job(*st);
      auto alerts = budget::crossings(a, usage.used, usage.alerted, cost);
      mark_alerted(db, alerts);
      return admit_result{std::move(admitted), true, std::move(alerts)};
    },
    [this, written = std::move(written), done = std::move(done)](result<admit_result> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void sqlite_job_store::async_record_upload(upload_record upload, callback<bool> done)
{
  write<bool>(
    [this, upload = std::move(upload)](connection& db) -> result<bool> {
      db.prepare("INSERT INTO uploads (sha256, url, size, uploaded_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (sha256) DO NOTHING")
        ->bind_all(upload.sha256, upload.url, upload.size, to_unix_ms(options_.clock()))
        .step();
      return db.changes() > 0;
    },
    std::move(done));
}

void sqlite_job_store::async_record_delivery(delivery_attempt attempt, callback<delivery> done)
{
  write<delivery>(
    [this, attempt = std::move(attempt)](connection& db) -> result<delivery> {
      const auto now = to_unix_ms(options_.clock());
      std::optional<std::int64_t> retry_at;
      if (attempt.retry_at)
        retry_at = to_unix_ms(*attempt.retry_at);
      const std::string_view state = attempt.delivered ? "delivered" : retry_at ? "pending" : "failed";
      std::optional<std::string> error;
      if (!attempt.error.empty())
        error = attempt.error;
      db.prepare("UPDATE deliveries SET state = ?2, attempts = attempts + 1, last_status = ?3, last_error = ?4,"
                 " next_attempt_at = CASE WHEN ?2 = 'pending' THEN ?5 ELSE NULL END,"
                 " delivered_at = CASE WHEN ?2 = 'delivered' THEN ?6 ELSE NULL END"
                 " WHERE id = ?1 AND state = 'pending'")
        ->bind_all(attempt.id, state, attempt.status, error, retry_at, now)
        .step();
      if (db.changes() == 0)
        return errc::stale_state; // unknown, or already settled
      auto rows = select_deliveries(db, "WHERE d.id = ?", [&](statement& st) { st.bind_all(attempt.id); });
      return std::move(rows.front());
    },
    [this, done = std::move(done)](result<delivery> r) {
      if (r)
        views_.invalidate(r->job_id); // the job's view shows its deliveries
      done(std::move(r));
    });
}

namespace {

// A job's results array, for a write that changes its items.
boost::json::array read_results(connection& db, const std::string& job_id)
{
  auto st = db.prepare("SELECT results FROM jobs WHERE id = ?");
  st->bind_all(job_id);
  if (!st->step())
    return {};
  return boost::json::parse(st->text(0)).as_array();
}

void write_results(connection& db, const std::string& job_id, const boost::json::array& results, std::string_view mirror)
{
  db.prepare("UPDATE jobs SET results = ?, mirror = ? WHERE id = ?")
    ->bind_all(boost::json::serialize(results), mirror, job_id)
    .step();
}

} // namespace

void sqlite_job_store::async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                                    callback<bool> done)
{
  auto written = job_id;
  write<bool>(
    [this, job_id = std::move(job_id), files = std::move(files), failure = std::move(failure)](
      connection& db) -> result<bool> {
      auto results = read_results(db, job_id);
      for (const auto& f : files) {
        db.prepare("INSERT OR REPLACE INTO result_files (job_id, n, path, sha256, bytes, content_type, stored_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)")
          ->bind_all(job_id, f.n, f.path, f.sha256, f.bytes, f.content_type, to_unix_ms(options_.clock()))
          .step();
      }
      link_copies(results, job_id, files);
      write_results(db, job_id, results, failure.empty() ? "done" : "failed");
      return db.changes() > 0;
    },
    [this, written = std::move(written), done = std::move(done)](result<bool> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void sqlite_job_store::async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done)
{
  auto written = job_ids;
  write<std::size_t>(
    [job_ids = std::move(job_ids)](connection& db) -> result<std::size_t> {
      std::size_t expired = 0;
      for (const auto& id : job_ids) {
        db.prepare("DELETE FROM result_files WHERE job_id = ?")->bind_all(id).step();
        auto results = read_results(db, id);
        unlink_copies(results);
        write_results(db, id, results, "expired");
        expired += static_cast<std::size_t>(db.changes());
      }
      return expired;
    },
    [this, written = std::move(written), done = std::move(done)](result<std::size_t> r) {
      for (const auto& id : written)
        views_.invalidate(id);
      done(std::move(r));
    });
}

result<job> sqlite_job_store::get(std::string_view id)
{
  return read<job>([&](connection& db) { return select_job(db, id); });
}

result<job_page> sqlite_job_store::list(const list_query& query)
{
  return read<job_page>([&](connection& db) -> result<job_page> {
    std::string where = "WHERE 1 = 1";
    if (query.state)
      where += " AND state = ?";
    if (query.agent)
      where += " AND agent = ?";
    if (query.before_id)
      where += " AND id < ?";
    if (query.token)
      where += " AND token_name = ?";
    where += " ORDER BY id DESC LIMIT ?";
    auto st = db.prepare(select_jobs(where));
    int index = 0;
    if (query.state)
      st->bind(++index, to_string(*query.state));
    if (query.agent)
      st->bind(++index, *query.agent);
    if (query.before_id)
      st->bind(++index, *query.before_id);
    if (query.token)
      st->bind(++index, *query.token);
    st->bind(++index, static_cast<std::int64_t>(query.limit) + 1); // one more tells whether a next page exists

    job_page page;
    while (st->step()) {
      if (page.jobs.size() == query.limit) {
        page.next_before = page.jobs.back().id;
        break;
      }
      page.jobs.push_back(read_job(*st));
    }
    return page;
  });
}

result<std::vector<job_event>> sqlite_job_store::events(std::string_view job_id, std::int64_t after_event_id)
{
  return read<std::vector<job_event>>([&](connection& db) {
    auto st = db.prepare("SELECT " + std::string(event_columns) +
                         " FROM job_events WHERE job_id = ? AND id > ? ORDER BY id");
    st->bind_all(job_id, after_event_id);
    std::vector<job_event> out;
    while (st->step())
      out.push_back(read_event(*st));
    return out;
  });
}

result<std::vector<job_event>> sqlite_job_store::events_after(std::int64_t after_event_id, std::size_t limit)
{
  return read<std::vector<job_event>>([&](connection& db) {
    auto st = db.prepare("SELECT " + std::string(event_columns) + " FROM job_events WHERE id > ? ORDER BY id LIMIT ?");
    st->bind_all(after_event_id, static_cast<std::int64_t>(limit));
    std::vector<job_event> out;
    while (st->step())
      out.push_back(read_event(*st));
    return out;
  });
}

result<std::vector<delivery>> sqlite_job_store::deliveries(std::string_view job_id)
{
  return read<std::vector<delivery>>([&](connection& db) {
    return select_deliveries(db, "WHERE d.job_id = ? ORDER BY d.id", [&](statement& st) { st.bind_all(job_id); });
  });
}

result<std::vector<delivery>> sqlite_job_store::due_deliveries(timestamp now, std::size_t limit)
{
  return read<std::vector<delivery>>([&](connection& db) {
    return select_deliveries(db, "WHERE d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?", [&](statement& st) {
      st.bind_all(to_unix_ms(now), static_cast<std::int64_t>(limit));
    });
  });
}

result<std::optional<timestamp>> sqlite_job_store::next_delivery_due()
{
  return read<std::optional<timestamp>>([&](connection& db) -> std::optional<timestamp> {
    auto st = db.prepare("SELECT MIN(next_attempt_at) FROM deliveries WHERE next_attempt_at IS NOT NULL");
    if (!st->step() || st->is_null(0))
      return std::nullopt;
    return from_unix_ms(st->int64(0));
  });
}

result<std::optional<upload_record>> sqlite_job_store::upload_where(std::string_view column, std::string_view value)
{
  return read<std::optional<upload_record>>([&](connection& db) -> std::optional<upload_record> {
    auto st = db.prepare("SELECT sha256, url, size FROM uploads WHERE " + std::string(column) + " = ?");
    st->bind_all(value);
    if (!st->step())
      return std::nullopt;
    return upload_record{st->text(0), st->text(1), st->int64(2)};
  });
}

result<std::optional<upload_record>> sqlite_job_store::find_upload(std::string_view sha256)
{
  return upload_where("sha256", sha256);
}

result<std::optional<upload_record>> sqlite_job_store::find_upload_by_url(std::string_view url)
{
  return upload_where("url", url);
}

result<std::vector<job>> sqlite_job_store::unfinished()
{
  return read<std::vector<job>>([&](connection& db) {
    static const std::string sql =
      select_jobs("WHERE state IN ('queued', 'uploading', 'submitting', 'running') ORDER BY id");
    auto st = db.prepare(sql);
    return jobs_of(*st);
  });
}

result<std::vector<job>> sqlite_job_store::mirror_backlog(std::size_t limit)
{
  return read<std::vector<job>>([&](connection& db) {
    static const std::string sql = select_jobs("WHERE mirror = 'pending' ORDER BY id LIMIT ?");
    auto st = db.prepare(sql);
    st->bind_all(static_cast<std::int64_t>(limit));
    return jobs_of(*st);
  });
}

namespace {

constexpr std::string_view result_file_columns = "job_id, n, path, sha256, bytes, content_type, stored_at";

result_file read_result_file(const statement& st)
{
  return {st.text(0), static_cast<int>(st.int64(1)), st.text(2), st.text(3), st.int64(4), st.text(5),
          from_unix_ms(st.int64(6))};
}

} // namespace

result<std::optional<result_file>> sqlite_job_store::find_result_file(std::string_view job_id, int n)
{
  return read<std::optional<result_file>>([&](connection& db) -> std::optional<result_file> {
    static const std::string sql = "SELECT " + std::string(result_file_columns) + " FROM result_files WHERE job_id = ? AND n = ?";
    auto st = db.prepare(sql);
    st->bind_all(std::string(job_id), n);
    if (!st->step())
      return std::nullopt;
    return read_result_file(*st);
  });
}

result<std::vector<result_file>> sqlite_job_store::result_files()
{
  return read<std::vector<result_file>>([&](connection& db) {
    static const std::string sql =
      "SELECT " + std::string(result_file_columns) + " FROM result_files ORDER BY stored_at, job_id, n";
    auto st = db.prepare(sql);
    std::vector<result_file> out;
    while (st->step())
      out.push_back(read_result_file(*st));
    return out;
  });
}

result<std::vector<job_count>> sqlite_job_store::counts()
{
  return read<std::vector<job_count>>([&](connection& db) {
    auto st = db.prepare("SELECT agent, state, n FROM job_counts WHERE n > 0 ORDER BY agent, state");
    std::vector<job_count> out;
    while (st->step())
      out.push_back({st->text(0), st->text(1), st->int64(2)});
    return out;
  });
}

result<std::vector<job>> sqlite_job_store::held_jobs(std::size_t limit)
{
  return read<std::vector<job>>([&](connection& db) {
    static const std::string sql = select_jobs("WHERE held = 1 AND state = 'queued' ORDER BY id LIMIT ?");
    auto st = db.prepare(sql);
    st->bind_all(static_cast<std::int64_t>(limit));
    return jobs_of(*st);
  });
}

result<std::map<std::string, std::int64_t>> sqlite_job_store::budget_used(std::string_view window)
{
  return read<std::map<std::string, std::int64_t>>([&](connection& db) {
    auto st = db.prepare("SELECT scope, used FROM budget_usage WHERE budget_window = ?");
    st->bind_all(window);
    std::map<std::string, std::int64_t> out;
    while (st->step())
      out[st->text(0)] = st->int64(1);
    return out;
  });
}

result<std::vector<usage_row>> sqlite_job_store::usage(std::string_view from, std::string_view to, usage_group group,
                                                       const std::optional<std::string>& token)
{
  return read<std::vector<usage_row>>([&](connection& db) {
    auto st = db.prepare(usage_query(group, "?1", "?2", token ? "?3" : ""));
    st->bind_all(from, to);
    if (token)
      st->bind(3, *token);
    std::vector<usage_row> out;
    while (st->step())
      out.push_back({st->text(0), st->int64(1), st->int64(2), st->int64(3), st->int64(4)});
    return out;
  });
}

result<std::int64_t> sqlite_job_store::count_finished_since(job_state state, timestamp since)
{
  return read<std::int64_t>([&](connection& db) {
    auto st = db.prepare("SELECT count(*) FROM jobs WHERE state = ? AND finished_at >= ?");
    st->bind_all(std::string(to_string(state)), to_unix_ms(since));
    st->step();
    return st->int64(0);
  });
}

// One daemon per SQLite file: everything unfinished is its own.
result<std::vector<job>> sqlite_job_store::claim_unfinished(std::size_t)
{
  return unfinished();
}

result<bool> sqlite_job_store::renew_lease()
{
  return true;
}

result<bool> sqlite_job_store::release_lease()
{
  return true;
}

} // namespace weshopd::store
