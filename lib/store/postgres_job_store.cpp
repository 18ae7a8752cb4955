#include "store/postgres_job_store.hpp"

#include "store/job_rows.hpp"
#include "store/migrator.hpp"
#include "store/postgres.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace weshopd::store {

namespace {

const sql_dialect postgres_dialect{
  .job_columns = pg_job_columns,
  .for_update = " FOR UPDATE", // other hosts write too: what a write decides on stays locked
  .held = "held",
  .lock_rows = true,
  .claims_jobs = true,
};

class postgres_row final : public sql_row {
public:
  explicit postgres_row(pg_row r) : r_(r) {}
  std::string text(int col) const override { return r_.text(col); }
  std::optional<std::string> opt_text(int col) const override { return r_.opt_text(col); }
  std::int64_t int64(int col) const override { return r_.int64(col); }
  std::optional<std::int64_t> opt_int64(int col) const override { return r_.opt_int64(col); }

private:
  pg_row r_;
};

// A connection as the shared scripts see it: ?N placeholders become $N.
class postgres_db final : public sql_db {
public:
  explicit postgres_db(pg_connection& c) : c_(c) {}
  const sql_dialect& dialect() const override { return postgres_dialect; }
  std::int64_t run(const std::string& sql, const sql_args& args, const each_row& each) override
  {
    pg_params params;
    for (const auto& v : args.values())
      std::visit([&](const auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::nullptr_t>)
          params.add(std::optional<std::string>());
        else
          params.add(value);
      }, v);
    const auto rows = c_.run(dollar_placeholders(sql), params);
    for (int r = 0; each && r < rows.size(); ++r)
      each(postgres_row(pg_row(rows, r)));
    return rows.affected();
  }

private:
  pg_connection& c_;
};

// Names this daemon in its events' notifications (migration 0003).
void name_owner(pg_connection& db, const std::string& owner)
{
  db.run("SELECT set_config('weshopd.owner', $1, false)", pg_params().add(owner));
}

} // namespace

detailed_result<std::unique_ptr<job_store>> postgres_job_store::open(const job_store_options& options)
{
  try {
    auto db = std::make_unique<pg_connection>(options.url, options.password);
    const auto outcome = migrate(*db, embedded_postgres_migrations());
    if (outcome.error)
      return detailed_error{outcome.error, outcome.message};
    std::unique_ptr<postgres_job_store> store(new postgres_job_store(options));
    const auto now = to_unix_ms(options.clock());
    db->run("INSERT INTO daemons (owner, lease_until, started_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (owner) DO UPDATE SET lease_until = EXCLUDED.lease_until",
            pg_params().add(store->owner()).add(now + options.lease.count()).add(now));
    name_owner(*db, store->owner());
    store->start_writer<postgres_db>(std::move(db), [url = options.url, password = options.password,
                                                     owner = store->owner()] {
      auto again = std::make_unique<pg_connection>(url, password);
      name_owner(*again, owner);
      return again;
    });
    return store;
  } catch (const pg_error& e) {
    return detailed_error{e.to_errc(), e.what()};
  }
}

// No view cache: another daemon's writes would not drop this one's views.
postgres_job_store::postgres_job_store(const job_store_options& options) : sql_job_store(options, 0)
{
  if (options_.owner.empty()) // tools and tests: a name of their own
    options_.owner = "store-" + ids_.next(options_.clock());
}

const std::string& postgres_job_store::owner() const
{
  return options_.owner;
}

boost::system::error_code postgres_job_store::with_reader(const std::function<void(sql_db&)>& f)
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
    postgres_db adapted(*db);
    f(adapted);
    give_back();
    return {};
  } catch (const pg_error& e) {
    if (!e.connection_lost() && db)
      give_back();
    return e.to_errc();
  } catch (const std::runtime_error&) { // a row the schema should have refused
    return errc::storage_corrupt;
  }
}

result<std::vector<job>> postgres_job_store::claim_unfinished(std::size_t limit)
{
  return write_and_wait<std::vector<job>>([this, limit](sql_db& db) -> result<std::vector<job>> {
    // Rows another daemon is claiming right now are skipped, not waited for.
    static const std::string sql =
      "UPDATE jobs SET claimed_by = ?1 WHERE id IN ("
      " SELECT j.id FROM jobs j WHERE j.state IN ('queued', 'uploading', 'submitting', 'running')"
      " AND (j.claimed_by IS NULL OR NOT EXISTS (SELECT 1 FROM daemons d WHERE d.owner = j.claimed_by"
      " AND d.lease_until >= ?2)) ORDER BY j.id LIMIT ?3 FOR UPDATE SKIP LOCKED)"
      " RETURNING " + std::string(pg_job_columns);
    auto jobs = all_rows(db, sql,
                         sql_args().add(options_.owner).add(to_unix_ms(options_.clock())).add(static_cast<std::int64_t>(limit)),
                         [](const sql_row& r) { return read_job(r); });
    std::sort(jobs.begin(), jobs.end(), [](const job& a, const job& b) { return a.id < b.id; });
    return jobs;
  });
}

result<bool> postgres_job_store::renew_lease()
{
  return write_and_wait<bool>([this](sql_db& db) -> result<bool> {
    const auto now = to_unix_ms(options_.clock());
    // (Re)inserted if a cleanup took the row: the claims still name this owner.
    db.run("INSERT INTO daemons (owner, lease_until, started_at) VALUES (?1, ?2, ?3)"
           " ON CONFLICT (owner) DO UPDATE SET lease_until = EXCLUDED.lease_until",
           sql_args().add(options_.owner).add(now + options_.lease.count()).add(now));
    // Rows of daemons gone for a day tell nothing more.
    db.run("DELETE FROM daemons WHERE lease_until < ?1", sql_args().add(now - 24 * 3600 * 1000));
    return true;
  });
}

result<bool> postgres_job_store::release_lease()
{
  return write_and_wait<bool>([this](sql_db& db) -> result<bool> {
    db.run("DELETE FROM daemons WHERE owner = ?1", sql_args().add(options_.owner));
    return true;
  });
}

} // namespace weshopd::store
