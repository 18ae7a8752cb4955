#include "store/migrator.hpp"

#include "common/sha256.hpp"
#include "common/time.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"

namespace weshopd::store {

void run_migrations(migration_target& db, const std::vector<migration>& migrations, migrate_outcome& out)
{
  const auto applied = db.applied();
  std::map<int, const migration*> known;
  for (const auto& m : migrations)
    known[m.version] = &m;
  for (const auto& [version, row] : applied) {
    const auto it = known.find(version);
    if (it == known.end()) {
      out.error = errc::database_too_new;
      out.message = "the database has migration " + std::to_string(version) + " (" + row.name +
                    ") which this weshopd does not know; run a newer weshopd or restore a backup";
      return;
    }
    if (sha256_hex(it->second->sql) != row.checksum) {
      out.error = errc::migration_tampered;
      out.message = "migration " + std::to_string(version) + "_" + row.name +
                    ".sql changed after it was applied; applied migrations must never be edited";
      return;
    }
    out.version = version;
  }
  for (const auto& [version, m] : known) {
    if (applied.contains(version))
      continue;
    db.apply(*m, sha256_hex(m->sql));
    ++out.applied;
    out.version = version;
  }
}

namespace {

class sqlite_target final : public migration_target {
public:
  explicit sqlite_target(connection& db) : db_(db) {}

  std::map<int, applied_migration> applied() override
  {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
             " applied_at INTEGER NOT NULL) STRICT");
    std::map<int, applied_migration> out;
    auto st = db_.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    while (st->step())
      out[static_cast<int>(st->int64(0))] = {st->text(1), st->text(2)};
    return out;
  }

  void apply(const migration& m, const std::string& checksum) override
  {
    transaction tx(db_);
    db_.exec(m.sql);
    db_.prepare("INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
      ->bind_all(m.version, m.name, checksum, to_unix_ms(now_ms()))
      .step();
    tx.commit();
  }

private:
  connection& db_;
};

class postgres_target final : public migration_target {
public:
  explicit postgres_target(pg_connection& db) : db_(db) {}

  std::map<int, applied_migration> applied() override
  {
    // Daemons starting together: one migrates, the others wait on the lock.
    db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
             " applied_at BIGINT NOT NULL)");
    std::map<int, applied_migration> out;
    const auto rows = db_.run("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    for (int r = 0; r < rows.size(); ++r)
      out[static_cast<int>(rows.int64(r, 0))] = {rows.text(r, 1), rows.text(r, 2)};
    return out;
  }

  void apply(const migration& m, const std::string& checksum) override
  {
    pg_transaction tx(db_);
    db_.exec(m.sql);
    db_.run("INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            pg_params().add(m.version).add(m.name).add(checksum).add(to_unix_ms(now_ms())));
    tx.commit();
  }

private:
  pg_connection& db_;
};

} // namespace

migrate_outcome migrate(connection& db, const std::vector<migration>& migrations)
{
  migrate_outcome out;
  try {
    sqlite_target target(db);
    run_migrations(target, migrations, out);
  } catch (const sqlite_error& e) {
    out.error = e.to_errc();
    out.message = e.what();
  }
  return out;
}

migrate_outcome migrate(pg_connection& db, const std::vector<migration>& migrations)
{
  migrate_outcome out;
  try {
    // One migrator at a time across hosts (a session lock, held until released).
    db.exec("SELECT pg_advisory_lock(7355608)");
    postgres_target target(db);
    run_migrations(target, migrations, out);
    db.exec("SELECT pg_advisory_unlock(7355608)");
  } catch (const pg_error& e) {
    out.error = e.to_errc();
    out.message = e.what();
  }
  return out;
}

} // namespace weshopd::store
