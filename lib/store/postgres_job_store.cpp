#include "store/postgres_job_store.hpp"

#include "store/job_rows.hpp"
#include "store/migrator.hpp"
#include "store/postgres.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace weshopd::store {

namespace {

std::string select_jobs(std::string_view where)
{
  return "SELECT " + std::string(pg_job_columns) + " FROM jobs " + std::string(where);
}

std::vector<job> jobs_of(const pg_rows& rows)
{
  std::vector<job> out;
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(read_job(pg_row(rows, r)));
  return out;
}

// The event row, the job's latest-event mark and its webhook delivery, in the
// caller's transaction (as in the SQLite store). Returns the event id.
std::int64_t insert_event(pg_connection& db, const job& j, std::optional<job_state> from, job_state to, timestamp at,
                          const std::string& detail)
{
  std::optional<std::string> from_text;
  if (from)
    from_text = std::string(to_string(*from));
  const auto id = db.run("INSERT INTO job_events (job_id, from_state, to_state, at, detail)"
                         " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                         pg_params().add(j.id).add(from_text).add(to_string(to)).add(to_unix_ms(at)).add(detail))
                    .int64(0, 0);
  db.run("UPDATE jobs SET last_event_id = $1 WHERE id = $2", pg_params().add(id).add(j.id));
  if (j.notify_url && (j.notify_all || is_terminal(to)))
    db.run("INSERT INTO deliveries (job_id, event_id, url, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)",
           pg_params().add(j.id).add(id).add(*j.notify_url).add(to_unix_ms(at)));
  return id;
}

result<job> select_job(pg_connection& db, std::string_view id)
{
  static const std::string sql = select_jobs("WHERE id = $1");
  const auto rows = db.run(sql, pg_params().add(id));
  if (rows.size() == 0)
    return errc::not_found;
  return read_job(pg_row(rows, 0));
}

std::vector<delivery> select_deliveries(pg_connection& db, std::string_view where_order, const pg_params& params)
{
  const auto rows = db.run("SELECT " + std::string(delivery_columns) +
                             " FROM deliveries d JOIN job_events e ON e.id = d.event_id " + std::string(where_order),
                           params);
  std::vector<delivery> out;
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(read_delivery(pg_row(rows, r)));
  return out;
}

boost::json::array read_results(pg_connection& db, const std::string& job_id)
{
  const auto rows = db.run("SELECT results FROM jobs WHERE id = $1", pg_params().add(job_id));
  return rows.size() ? boost::json::parse(rows.text(0, 0)).as_array() : boost::json::array();
}

std::int64_t write_results(pg_connection& db, const std::string& job_id, const boost::json::array& results,
                           std::string_view mirror)
{
  return db.run("UPDATE jobs SET results = $1, mirror = $2 WHERE id = $3",
                pg_params().add(boost::json::serialize(results)).add(mirror).add(job_id))
    .affected();
}

constexpr std::string_view result_file_columns = "job_id, n, path, sha256, bytes, content_type, stored_at";

result_file read_result_file(const pg_rows& rows, int r)
{
  return {rows.text(r, 0),  static_cast<int>(rows.int64(r, 1)), rows.text(r, 2), rows.text(r, 3),
          rows.int64(r, 4), rows.text(r, 5),                    from_unix_ms(rows.int64(r, 6))};
}

// Thrown inside a unit whose result is a refusal, to roll its savepoint back.
struct unit_refused : std::exception {};

constexpr std::size_t max_batch = 256;
constexpr std::size_t max_queue = 65536;

} // namespace

result<std::unique_ptr<job_store>> postgres_job_store::open(const job_store_options& options, std::string* message)
{
  try {
    auto db = std::make_unique<pg_connection>(options.url, options.password);
    const auto outcome = migrate(*db, embedded_postgres_migrations());
    if (outcome.error) {
      if (message)
        *message = outcome.message;
      return outcome.error;
    }
    std::unique_ptr<postgres_job_store> store(new postgres_job_store(options));
    const auto now = to_unix_ms(options.clock());
    db->run("INSERT INTO daemons (owner, lease_until, started_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (owner) DO UPDATE SET lease_until = EXCLUDED.lease_until",
            pg_params().add(store->owner()).add(now + options.lease.count()).add(now));
    db->run("SELECT set_config('weshopd.owner', $1, false)", pg_params().add(store->owner()));
    store->writer_db_ = std::move(db);
    store->writer_ = std::thread([s = store.get()] { s->run_writer(); });
    return store;
  } catch (const pg_error& e) {
    if (message)
      *message = e.what();
    return e.to_errc();
  }
}

// No view cache: another daemon's writes would not drop this one's views.
postgres_job_store::postgres_job_store(const job_store_options& options) : job_store(0), options_(options)
{
  if (options_.owner.empty()) // tools and tests: a name of their own
    options_.owner = "store-" + ids_.next(options_.clock());
}

const std::string& postgres_job_store::owner() const
{
  return options_.owner;
}

postgres_job_store::~postgres_job_store()
{
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable())
    writer_.join();
}

job_store::write_statistics postgres_job_store::writer_stats() const
{
  std::lock_guard lock(queue_mutex_);
  return stats_;
}

void postgres_job_store::run_writer()
{
  std::deque<unit> batch;
  auto pause = std::chrono::milliseconds(0); // after a lost connection, before trying again
  for (;;) {
    if (pause.count() > 0)
      std::this_thread::sleep_for(pause);
    {
      std::unique_lock lock(queue_mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and everything queued is done
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
    pause = writer_db_ ? std::chrono::milliseconds(0) : std::clamp(pause * 2, std::chrono::milliseconds(50),
                                                                    std::chrono::milliseconds(2000));
  }
}

void postgres_job_store::commit_batch(std::deque<unit>& batch)
{
  std::vector<boost::system::error_code> outcome(batch.size());
  boost::system::error_code batch_error;
  try {
    if (!writer_db_ || !writer_db_->healthy()) {
      writer_db_ = std::make_unique<pg_connection>(options_.url, options_.password);
      // Names this daemon in its events' notifications (migration 0003).
      writer_db_->run("SELECT set_config('weshopd.owner', $1, false)", pg_params().add(options_.owner));
    }
    auto& db = *writer_db_;
    pg_transaction tx(db);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      db.exec("SAVEPOINT unit");
      const auto undo = [&] {
        db.exec("ROLLBACK TO SAVEPOINT unit");
        db.exec("RELEASE SAVEPOINT unit");
      };
      try {
        batch[i].work(db);
        db.exec("RELEASE SAVEPOINT unit");
      } catch (const unit_refused&) {
        undo();
      } catch (const pg_error& e) {
        if (e.connection_lost())
          throw;
        outcome[i] = e.to_errc();
        undo();
      } catch (const std::exception&) {
        outcome[i] = errc::storage_failed;
        undo();
      }
    }
    tx.commit();
  } catch (const pg_error& e) {
    batch_error = e.to_errc();
    if (e.connection_lost())
      writer_db_.reset();
  }
  {
    std::lock_guard lock(queue_mutex_);
    ++stats_.batches;
    stats_.units += batch.size();
    if (batch_error)
      ++stats_.failed_batches;
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i].done(batch_error ? batch_error : outcome[i]);
}

template <class T>
void postgres_job_store::write(std::function<result<T>(pg_connection&)> op, callback<T> done)
{
  auto outcome = std::make_shared<std::optional<result<T>>>();
  const auto failure = [](boost::system::error_code ec) { return result<T>(boost::system::in_place_error, ec); };
  unit u{[op = std::move(op), outcome](pg_connection& db) {
           outcome->emplace(op(db));
           if (!outcome->value())
             throw unit_refused{};
         },
         [outcome, done, failure](boost::system::error_code ec) {
           if (*outcome && !outcome->value())
             done(outcome->value());
           else if (ec)
             done(failure(ec));
           else
             done(std::move(outcome->value()));
         }};
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_ || queue_.size() >= max_queue) {
      const auto why = stopping_ ? errc::shutting_down : errc::overloaded;
      done(failure(why));
      return;
    }
    queue_.push_back(std::move(u));
  }
  wake_.notify_one();
}

template <class T, class F>
result<T> postgres_job_store::read(F&& f)
{
  std::unique_ptr<pg_connection> db;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  const auto give_back = [&] {
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < std::max<std::size_t>(options_.readers, 1))
      idle_readers_.push_back(std::move(db));
  };
  try {
    if (!db || !db->healthy())
      db = std::make_unique<pg_connection>(options_.url, options_.password);
    result<T> r = f(*db);
    give_back();
    return r;
  } catch (const pg_error& e) {
    if (!e.connection_lost() && db)
      give_back();
    return result<T>(boost::system::in_place_error, e.to_errc());
  } catch (const std::runtime_error&) { // a row the schema should have refused
    return result<T>(boost::system::in_place_error, make_error_code(errc::storage_corrupt));
  }
}

namespace {

struct window_usage {
  std::vector<budget::micros> used;
  std::vector<int> alerted;
};

// What each of a's limits has committed, locked until the commit (always in
// the order of a.limits: global, agent, token), so concurrent admissions on
// any host queue here instead of both passing the check.
window_usage lock_usage(pg_connection& db, const budget::admission& a)
{
  window_usage u;
  for (const auto& l : a.limits) {
    db.run("INSERT INTO budget_usage (budget_window, scope) VALUES ($1, $2) ON CONFLICT DO NOTHING",
           pg_params().add(a.window).add(l.scope));
    const auto rows = db.run("SELECT used, alerted FROM budget_usage WHERE budget_window = $1 AND scope = $2 FOR UPDATE",
                             pg_params().add(a.window).add(l.scope));
    u.used.push_back(rows.int64(0, 0));
    u.alerted.push_back(static_cast<int>(rows.int64(0, 1)));
  }
  return u;
}

void mark_alerted(pg_connection& db, const std::vector<budget::budget_alert>& alerts)
{
  for (const auto& a : alerts)
    db.run("UPDATE budget_usage SET alerted = $3 WHERE budget_window = $1 AND scope = $2",
           pg_params().add(a.window).add(a.scope).add(static_cast<std::int64_t>(a.percent)));
}

} // namespace

void postgres_job_store::async_insert(new_job j, callback<insert_result> done)
{
  write<insert_result>(
    [this, j = std::move(j)](pg_connection& db) -> result<insert_result> {
      // Keys are per API token (postgres migration 0006's index: the same expression).
      static const std::string by_key = select_jobs("WHERE coalesce(token_name, '') = $1 AND idempotency_key = $2");
      const auto existing = [&]() -> std::optional<result<insert_result>> {
        const auto rows = db.run(by_key, pg_params().add(j.token_name.value_or("")).add(*j.idempotency_key));
        if (rows.size() == 0)
          return std::nullopt;
        auto found = read_job(pg_row(rows, 0));
        if (found.request_hash != j.request_hash)
          return result<insert_result>(errc::idempotency_conflict);
        return result<insert_result>(insert_result{std::move(found), false});
      };
      if (j.idempotency_key)
        if (auto e = existing())
          return std::move(*e);
      const auto now = options_.clock();
      std::optional<std::int64_t> deadline;
      if (j.deadline_at)
        deadline = to_unix_ms(*j.deadline_at);
      const auto cost = j.images * j.unit_price;
      const auto usage = lock_usage(db, j.admit);
      const bool over = !budget::fits(j.admit.limits, usage.used, cost);
      if (over && !j.admit.hold_when_over)
        return errc::budget_exceeded;
      std::optional<std::string> window;
      if (!over)
        window = j.admit.window;
      // Another host may insert the same key meanwhile: ON CONFLICT waits for
      // its commit and inserts nothing; the row is then read as above.
      static const std::string insert =
        "INSERT INTO jobs (id, agent, agent_version, input, params, state, request_hash, idempotency_key,"
        " deadline_at, created_at, updated_at, notify_url, notify_all, retry_of, claimed_by,"
        " images, unit_price, budget_window, token_name, held, warnings)"
        " VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
        " $19)"
        " ON CONFLICT ((coalesce(token_name, '')), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
        " RETURNING " + std::string(pg_job_columns);
      const auto rows = db.run(insert, pg_params()
                                         .add(ids_.next(now))
                                         .add(j.agent)
                                         .add(j.agent_version)
                                         .add(boost::json::serialize(j.input))
                                         .add(boost::json::serialize(j.params))
                                         .add(j.request_hash)
                                         .add(j.idempotency_key)
                                         .add(deadline)
                                         .add(to_unix_ms(now))
                                         .add(j.notify_url)
                                         .add(j.notify_all)
                                         .add(j.retry_of)
                                         .add(options_.owner)
                                         .add(j.images)
                                         .add(j.unit_price)
                                         .add(window)
                                         .add(j.token_name)
                                         .add(over)
                                         .add(warnings_column(j.warnings)));
      if (rows.size() == 0)
        return std::move(*existing());
      auto row = read_job(pg_row(rows, 0));
      row.last_event_id =
        insert_event(db, row, std::nullopt, job_state::queued, now, over ? "held: budget_exhausted" : "created");
      std::vector<budget::budget_alert> alerts;
      if (!over) {
        alerts = budget::crossings(j.admit, usage.used, usage.alerted, cost);
        mark_alerted(db, alerts);
      }
      return insert_result{std::move(row), true, std::move(alerts)};
    },
    std::move(done));
}

void postgres_job_store::async_transition(std::string id, job_state from, job_state to, job_patch patch,
                                          std::string detail, callback<job> done)
{
  if (from != to ? !can_transition(from, to) : is_terminal(from)) {
    done(errc::illegal_transition);
    return;
  }
  auto written = id;
  write<job>(
    [this, id = std::move(id), from, to, patch = std::move(patch), detail = std::move(detail)](
      pg_connection& db) -> result<job> {
      const auto now = options_.clock();
      const auto& error = patch.error ? *patch.error : std::nullopt;
      const auto columns = columns_of(patch);
      const auto& [input, results, next_attempt] = columns;
      static const std::string update =
        "UPDATE jobs SET state = $1,"
        " input = CASE WHEN $20::boolean THEN $21::text ELSE input END,"
        " execution_id = CASE WHEN $2::boolean THEN $3::text ELSE execution_id END,"
        " upstream_status = CASE WHEN $4::boolean THEN $5::text ELSE upstream_status END,"
        " results = CASE WHEN $6::boolean THEN $7::text ELSE results END,"
        " error_code = CASE WHEN $8::boolean THEN $9::text ELSE error_code END,"
        " error_message = CASE WHEN $8::boolean THEN $10::text ELSE error_message END,"
        " error_retryable = CASE WHEN $8::boolean THEN $11::boolean ELSE error_retryable END,"
        " attempts = CASE WHEN $12::boolean THEN $13::integer ELSE attempts END,"
        " next_attempt_at = CASE WHEN $16::boolean THEN NULL WHEN $14::boolean THEN $15::bigint ELSE next_attempt_at END,"
        " updated_at = $17::bigint,"
        " finished_at = CASE WHEN $16::boolean THEN $17::bigint ELSE NULL END,"
        " callback_token_hash = CASE WHEN $22::boolean THEN $23::text ELSE callback_token_hash END,"
        " mirror = CASE WHEN $24::boolean THEN 'pending' ELSE mirror END,"
        " images_actual = CASE WHEN $25::boolean THEN $26::bigint ELSE images_actual END"
        " WHERE id = $18 AND state = $19 RETURNING " +
        std::string(pg_job_columns);
      const auto rows = db.run(update, pg_params()
                                         .add(to_string(to))
                                         .add(patch.execution_id.has_value())
                                         .add(patch.execution_id)
                                         .add(patch.upstream_status.has_value())
                                         .add(patch.upstream_status)
                                         .add(results.has_value())
                                         .add(results)
                                         .add(patch.error.has_value())
                                         .add(error ? std::optional(error->code) : std::nullopt)
                                         .add(error ? std::optional(error->message) : std::nullopt)
                                         .add(error ? std::optional<bool>(error->retryable) : std::nullopt)
                                         .add(patch.attempts.has_value())
                                         .add(patch.attempts)
                                         .add(patch.next_attempt_at.has_value())
                                         .add(next_attempt)
                                         .add(is_terminal(to))
                                         .add(to_unix_ms(now))
                                         .add(id)
                                         .add(to_string(from))
                                         .add(input.has_value())
                                         .add(input)
                                         .add(patch.callback_token_hash.has_value())
                                         .add(patch.callback_token_hash)
                                         .add(patch.mirror_results)
                                         .add(patch.images_actual.has_value())
                                         .add(patch.images_actual));
      if (rows.size() == 0) {
        auto current = select_job(db, id);
        return current ? result<job>(errc::stale_state) : current;
      }
      auto updated = read_job(pg_row(rows, 0));
      if (from != to)
        updated.last_event_id = insert_event(db, updated, from, to, now, detail);
      return updated;
    },
    [this, written = std::move(written), done = std::move(done)](result<job> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void postgres_job_store::async_record_upload(upload_record upload, callback<bool> done)
{
  write<bool>(
    [this, upload = std::move(upload)](pg_connection& db) -> result<bool> {
      return db.run("INSERT INTO uploads (sha256, url, size, uploaded_at) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (sha256) DO NOTHING",
                    pg_params().add(upload.sha256).add(upload.url).add(upload.size).add(to_unix_ms(options_.clock())))
               .affected() > 0;
    },
    std::move(done));
}

void postgres_job_store::async_record_delivery(delivery_attempt attempt, callback<delivery> done)
{
  write<delivery>(
    [this, attempt = std::move(attempt)](pg_connection& db) -> result<delivery> {
      std::optional<std::int64_t> retry_at;
      if (attempt.retry_at)
        retry_at = to_unix_ms(*attempt.retry_at);
      const std::string state = attempt.delivered ? "delivered" : retry_at ? "pending" : "failed";
      std::optional<std::string> error;
      if (!attempt.error.empty())
        error = attempt.error;
      const auto changed =
        db.run("UPDATE deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4,"
               " next_attempt_at = CASE WHEN $2 = 'pending' THEN $5::bigint ELSE NULL END,"
               " delivered_at = CASE WHEN $2 = 'delivered' THEN $6::bigint ELSE NULL END"
               " WHERE id = $1 AND state = 'pending'",
               pg_params()
                 .add(attempt.id)
                 .add(state)
                 .add(attempt.status)
                 .add(error)
                 .add(retry_at)
                 .add(to_unix_ms(options_.clock())))
          .affected();
      if (changed == 0)
        return errc::stale_state;
      auto rows = select_deliveries(db, "WHERE d.id = $1", pg_params().add(attempt.id));
      return std::move(rows.front());
    },
    [this, done = std::move(done)](result<delivery> r) {
      if (r)
        views_.invalidate(r->job_id);
      done(std::move(r));
    });
}

void postgres_job_store::async_record_mirror(std::string job_id, std::vector<result_file> files, std::string failure,
                                             callback<bool> done)
{
  auto written = job_id;
  write<bool>(
    [this, job_id = std::move(job_id), files = std::move(files), failure = std::move(failure)](
      pg_connection& db) -> result<bool> {
      auto results = read_results(db, job_id);
      for (const auto& f : files) {
        db.run("INSERT INTO result_files (job_id, n, path, sha256, bytes, content_type, stored_at)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, n) DO UPDATE SET path = EXCLUDED.path,"
               " sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, content_type = EXCLUDED.content_type,"
               " stored_at = EXCLUDED.stored_at",
               pg_params().add(job_id).add(f.n).add(f.path).add(f.sha256).add(f.bytes).add(f.content_type).add(
                 to_unix_ms(options_.clock())));
      }
      link_copies(results, job_id, files);
      return write_results(db, job_id, results, failure.empty() ? "done" : "failed") > 0;
    },
    [this, written = std::move(written), done = std::move(done)](result<bool> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

void postgres_job_store::async_expire_mirrors(std::vector<std::string> job_ids, callback<std::size_t> done)
{
  auto written = job_ids;
  write<std::size_t>(
    [job_ids = std::move(job_ids)](pg_connection& db) -> result<std::size_t> {
      std::size_t expired = 0;
      for (const auto& id : job_ids) {
        db.run("DELETE FROM result_files WHERE job_id = $1", pg_params().add(id));
        auto results = read_results(db, id);
        unlink_copies(results);
        expired += static_cast<std::size_t>(write_results(db, id, results, "expired"));
      }
      return expired;
    },
    [this, written = std::move(written), done = std::move(done)](result<std::size_t> r) {
      for (const auto& id : written)
        views_.invalidate(id);
      done(std::move(r));
    });
}

result<job> postgres_job_store::get(std::string_view id)
{
  return read<job>([&](pg_connection& db) { return select_job(db, id); });
}

result<job_page> postgres_job_store::list(const list_query& query)
{
  return read<job_page>([&](pg_connection& db) -> result<job_page> {
    // One statement whatever the filters: a NULL parameter filters nothing.
    static const std::string sql = select_jobs("WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR agent = $2)"
                                               " AND ($3::text IS NULL OR id < $3) AND ($5::text IS NULL OR token_name = $5)"
                                               " ORDER BY id DESC LIMIT $4");
    std::optional<std::string> state;
    if (query.state)
      state = std::string(to_string(*query.state));
    const auto rows = db.run(
      sql, pg_params().add(state).add(query.agent).add(query.before_id).add(static_cast<std::int64_t>(query.limit) + 1)
             .add(query.token));
    job_page page;
    for (int r = 0; r < rows.size(); ++r) {
      if (page.jobs.size() == query.limit) {
        page.next_before = page.jobs.back().id;
        break;
      }
      page.jobs.push_back(read_job(pg_row(rows, r)));
    }
    return page;
  });
}

result<std::vector<job_event>> postgres_job_store::events(std::string_view job_id, std::int64_t after_event_id)
{
  return read<std::vector<job_event>>([&](pg_connection& db) {
    const auto rows = db.run("SELECT " + std::string(event_columns) +
                               " FROM job_events WHERE job_id = $1 AND id > $2 ORDER BY id",
                             pg_params().add(job_id).add(after_event_id));
    std::vector<job_event> out;
    for (int r = 0; r < rows.size(); ++r)
      out.push_back(read_event(pg_row(rows, r)));
    return out;
  });
}

result<std::vector<job_event>> postgres_job_store::events_after(std::int64_t after_event_id, std::size_t limit)
{
  return read<std::vector<job_event>>([&](pg_connection& db) {
    const auto rows = db.run("SELECT " + std::string(event_columns) + " FROM job_events WHERE id > $1 ORDER BY id LIMIT $2",
                             pg_params().add(after_event_id).add(static_cast<std::int64_t>(limit)));
    std::vector<job_event> out;
    for (int r = 0; r < rows.size(); ++r)
      out.push_back(read_event(pg_row(rows, r)));
    return out;
  });
}

result<std::vector<delivery>> postgres_job_store::deliveries(std::string_view job_id)
{
  return read<std::vector<delivery>>(
    [&](pg_connection& db) { return select_deliveries(db, "WHERE d.job_id = $1 ORDER BY d.id", pg_params().add(job_id)); });
}

result<std::vector<delivery>> postgres_job_store::due_deliveries(timestamp now, std::size_t limit)
{
  return read<std::vector<delivery>>([&](pg_connection& db) {
    return select_deliveries(db, "WHERE d.next_attempt_at <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2",
                             pg_params().add(to_unix_ms(now)).add(static_cast<std::int64_t>(limit)));
  });
}

result<std::optional<timestamp>> postgres_job_store::next_delivery_due()
{
  return read<std::optional<timestamp>>([&](pg_connection& db) -> std::optional<timestamp> {
    const auto rows = db.run("SELECT MIN(next_attempt_at) FROM deliveries WHERE next_attempt_at IS NOT NULL");
    if (rows.size() == 0 || rows.null(0, 0))
      return std::nullopt;
    return from_unix_ms(rows.int64(0, 0));
  });
}

result<std::optional<upload_record>> postgres_job_store::find_upload(std::string_view sha256)
{
  return upload_where("sha256", sha256);
}

result<std::optional<upload_record>> postgres_job_store::find_upload_by_url(std::string_view url)
{
  return upload_where("url", url);
}

result<std::optional<upload_record>> postgres_job_store::upload_where(std::string_view column, std::string_view value)
{
  return read<std::optional<upload_record>>([&](pg_connection& db) -> std::optional<upload_record> {
    const auto rows = db.run("SELECT sha256, url, size FROM uploads WHERE " + std::string(column) + " = $1",
                             pg_params().add(value));
    if (rows.size() == 0)
      return std::nullopt;
    return upload_record{rows.text(0, 0), rows.text(0, 1), rows.int64(0, 2)};
  });
}

result<std::vector<job>> postgres_job_store::unfinished()
{
  return read<std::vector<job>>([&](pg_connection& db) {
    return jobs_of(db.run(select_jobs("WHERE state IN ('queued', 'uploading', 'submitting', 'running') ORDER BY id")));
  });
}

result<std::vector<job>> postgres_job_store::mirror_backlog(std::size_t limit)
{
  return read<std::vector<job>>([&](pg_connection& db) {
    return jobs_of(db.run(select_jobs("WHERE mirror = 'pending' ORDER BY id LIMIT $1"),
                          pg_params().add(static_cast<std::int64_t>(limit))));
  });
}

result<std::optional<result_file>> postgres_job_store::find_result_file(std::string_view job_id, int n)
{
  return read<std::optional<result_file>>([&](pg_connection& db) -> std::optional<result_file> {
    const auto rows = db.run("SELECT " + std::string(result_file_columns) + " FROM result_files WHERE job_id = $1 AND n = $2",
                             pg_params().add(job_id).add(n));
    if (rows.size() == 0)
      return std::nullopt;
    return read_result_file(rows, 0);
  });
}

result<std::vector<result_file>> postgres_job_store::result_files()
{
  return read<std::vector<result_file>>([&](pg_connection& db) {
    const auto rows =
      db.run("SELECT " + std::string(result_file_columns) + " FROM result_files ORDER BY stored_at, job_id, n");
    std::vector<result_file> out;
    for (int r = 0; r < rows.size(); ++r)
      out.push_back(read_result_file(rows, r));
    return out;
  });
}

result<std::vector<job_count>> postgres_job_store::counts()
{
  return read<std::vector<job_count>>([&](pg_connection& db) {
    const auto rows = db.run("SELECT agent, state, sum(n)::bigint FROM job_counts GROUP BY agent, state"
                             " HAVING sum(n) > 0 ORDER BY agent, state");
    std::vector<job_count> out;
    for (int r = 0; r < rows.size(); ++r)
      out.push_back({rows.text(r, 0), rows.text(r, 1), rows.int64(r, 2)});
    return out;
  });
}

void postgres_job_store::async_admit_held(std::string id, budget::admission a, callback<admit_result> done)
{
  auto written = id;
  write<admit_result>(
    [this, id = std::move(id), a = std::move(a)](pg_connection& db) -> result<admit_result> {
      static const std::string by_id = select_jobs("WHERE id = $1 FOR UPDATE");
      const auto rows = db.run(by_id, pg_params().add(id));
      if (rows.size() == 0)
        return errc::not_found;
      auto current = read_job(pg_row(rows, 0));
      if (!current.held || current.state != job_state::queued)
        return admit_result{std::move(current), false, {}};
      const auto cost = current.images * current.unit_price;
      const auto usage = lock_usage(db, a);
      if (!budget::fits(a.limits, usage.used, cost))
        return admit_result{std::move(current), false, {}};
      static const std::string admit =
        "UPDATE jobs SET held = false, budget_window = $1, updated_at = $2,"
        " deadline_at = CASE WHEN deadline_at IS NULL THEN NULL ELSE $2 + (deadline_at - created_at) END"
        " WHERE id = $3 AND held RETURNING " + std::string(pg_job_columns);
      const auto updated = db.run(admit, pg_params().add(a.window).add(to_unix_ms(options_.clock())).add(id));
      if (updated.size() == 0)
        return errc::stale_state;
      auto alerts = budget::crossings(a, usage.used, usage.alerted, cost);
      mark_alerted(db, alerts);
      return admit_result{read_job(pg_row(updated, 0)), true, std::move(alerts)};
    },
    [this, written = std::move(written), done = std::move(done)](result<admit_result> r) {
      views_.invalidate(written);
      done(std::move(r));
    });
}

result<std::vector<job>> postgres_job_store::held_jobs(std::size_t limit)
{
  return read<std::vector<job>>([&](pg_connection& db) {
    static const std::string sql = select_jobs("WHERE held AND state = 'queued' ORDER BY id LIMIT $1");
    return jobs_of(db.run(sql, pg_params().add(static_cast<std::int64_t>(limit))));
  });
}

result<std::map<std::string, std::int64_t>> postgres_job_store::budget_used(std::string_view window)
{
  return read<std::map<std::string, std::int64_t>>([&](pg_connection& db) {
    const auto rows = db.run("SELECT scope, used FROM budget_usage WHERE budget_window = $1", pg_params().add(window));
    std::map<std::string, std::int64_t> out;
    for (int r = 0; r < rows.size(); ++r)
      out[rows.text(r, 0)] = rows.int64(r, 1);
    return out;
  });
}

result<std::vector<usage_row>> postgres_job_store::usage(std::string_view from, std::string_view to, usage_group group,
                                                         const std::optional<std::string>& token)
{
  return read<std::vector<usage_row>>([&](pg_connection& db) {
    auto params = pg_params().add(from).add(to);
    if (token)
      params.add(*token);
    const auto rows = db.run(usage_query(group, "$1", "$2", token ? "$3" : ""), params);
    std::vector<usage_row> out;
    for (int r = 0; r < rows.size(); ++r)
      out.push_back({rows.text(r, 0), rows.int64(r, 1), rows.int64(r, 2), rows.int64(r, 3), rows.int64(r, 4)});
    return out;
  });
}

result<std::int64_t> postgres_job_store::count_finished_since(job_state state, timestamp since)
{
  return read<std::int64_t>([&](pg_connection& db) {
    const auto rows = db.run("SELECT count(*) FROM jobs WHERE state = $1 AND finished_at >= $2",
                             pg_params().add(std::string(to_string(state))).add(to_unix_ms(since)));
    return rows.int64(0, 0);
  });
}

result<std::vector<job>> postgres_job_store::claim_unfinished(std::size_t limit)
{
  return read<std::vector<job>>([&](pg_connection& db) {
    // One statement, so one transaction: rows another daemon is claiming
    // right now are skipped, not waited for.
    static const std::string sql =
      "UPDATE jobs SET claimed_by = $1 WHERE id IN ("
      " SELECT j.id FROM jobs j WHERE j.state IN ('queued', 'uploading', 'submitting', 'running')"
      " AND (j.claimed_by IS NULL OR NOT EXISTS (SELECT 1 FROM daemons d WHERE d.owner = j.claimed_by"
      " AND d.lease_until >= $2)) ORDER BY j.id LIMIT $3 FOR UPDATE SKIP LOCKED)"
      " RETURNING " + std::string(pg_job_columns);
    auto jobs = jobs_of(db.run(
      sql, pg_params().add(options_.owner).add(to_unix_ms(options_.clock())).add(static_cast<std::int64_t>(limit))));
    std::sort(jobs.begin(), jobs.end(), [](const job& a, const job& b) { return a.id < b.id; });
    return jobs;
  });
}

result<bool> postgres_job_store::renew_lease()
{
  return read<bool>([&](pg_connection& db) {
    const auto now = to_unix_ms(options_.clock());
    // (Re)inserted if a cleanup took the row: the claims still name this owner.
    db.run("INSERT INTO daemons (owner, lease_until, started_at) VALUES ($1, $2, $3)"
           " ON CONFLICT (owner) DO UPDATE SET lease_until = EXCLUDED.lease_until",
           pg_params().add(options_.owner).add(now + options_.lease.count()).add(now));
    // Rows of daemons gone for a day tell nothing more.
    db.run("DELETE FROM daemons WHERE lease_until < $1", pg_params().add(now - 24 * 3600 * 1000));
    return true;
  });
}

result<bool> postgres_job_store::release_lease()
{
  return read<bool>([&](pg_connection& db) {
    db.run("DELETE FROM daemons WHERE owner = $1", pg_params().add(options_.owner));
    return true;
  });
}

} // namespace weshopd::store
