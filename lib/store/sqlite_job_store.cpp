#include "store/sqlite_job_store.hpp"

#include "store/job_rows.hpp"
#include "store/migrator.hpp"
#include "store/sqlite_backup.hpp"
#include "store/sqlite_space.hpp"

#include <variant>

namespace weshopd::store {

namespace {

const sql_dialect sqlite_dialect{
  .job_columns = job_columns,
  .for_update = "",   // one writer: what it read stays so until it commits
  .held = "held = 1", // (the partial index jobs_held says it so)
  .lock_rows = false,
  .claims_jobs = false,
  .incremental_vacuum = true,
};

class sqlite_row final : public sql_row {
public:
  explicit sqlite_row(const statement& st) : st_(st) {}
  std::string text(int col) const override { return st_.text(col); }
  std::optional<std::string> opt_text(int col) const override { return st_.opt_text(col); }
  std::int64_t int64(int col) const override { return st_.int64(col); }
  std::optional<std::int64_t> opt_int64(int col) const override { return st_.opt_int64(col); }

private:
  const statement& st_;
};

// A connection as the shared scripts see it: ?N placeholders are SQLite's own.
class sqlite_db final : public sql_db {
public:
  explicit sqlite_db(connection& c) : c_(c) {}
  const sql_dialect& dialect() const override { return sqlite_dialect; }
  std::int64_t run(const std::string& sql, const sql_args& args, const each_row& each) override
  {
    auto st = c_.prepare(sql);
    int index = 0;
    for (const auto& v : args.values())
      std::visit([&](const auto& value) { st->bind(++index, value); }, v);
    const sqlite_row row(*st);
    while (st->step())
      if (each)
        each(row);
    return c_.changes();
  }

private:
  connection& c_;
};

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

detailed_result<std::unique_ptr<job_store>> sqlite_job_store::open(const job_store_options& options)
{
  try {
    auto db = std::make_unique<connection>(
      connection_options{options.path, false, options.synchronous, options.busy_timeout_ms});
    prepare_space(*db, options.path); // before the first table of a new database
    const auto outcome = migrate(*db, embedded_migrations());
    if (outcome.error)
      return detailed_error{outcome.error, outcome.message};
    remove_backup_leftovers(options.path); // of a backup a crash interrupted
    std::unique_ptr<sqlite_job_store> store(new sqlite_job_store(options));
    for (std::size_t i = 0; i < std::max<std::size_t>(options.readers, 1); ++i)
      store->idle_readers_.push_back(std::make_unique<connection>(
        connection_options{options.path, true, options.synchronous, options.busy_timeout_ms}));
    store->start_writer<sqlite_db>(std::move(db));
    return store;
  } catch (const sqlite_error& e) {
    return detailed_error{e.to_errc(), e.what()};
  }
}

sqlite_job_store::sqlite_job_store(const job_store_options& options)
  : sql_job_store(options, options.view_cache_bytes), path_(options.path), busy_timeout_ms_(options.busy_timeout_ms)
{
}

detailed_result<std::shared_ptr<backup_copy>> sqlite_job_store::backup()
{
  return backup_sqlite(path_, busy_timeout_ms_);
}

sqlite_job_store::~sqlite_job_store() = default;

sqlite_job_store::reader_lease sqlite_job_store::acquire_reader()
{
  std::unique_lock lock(readers_mutex_);
  reader_free_.wait(lock, [&] { return !idle_readers_.empty(); });
  auto db = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return reader_lease(*this, std::move(db));
}

boost::system::error_code sqlite_job_store::with_reader(const std::function<void(sql_db&)>& f)
{
  auto lease = acquire_reader();
  try {
    sqlite_db db(*lease);
    f(db);
    return {};
  } catch (const sqlite_error& e) {
    return e.to_errc();
  } catch (const std::runtime_error&) { // a row the schema should have refused
    return errc::storage_corrupt;
  }
}

} // namespace weshopd::store
