#include "store/migrator.hpp"

#include "common/sha256.hpp"
#include "common/time.hpp"
#include "store/sqlite.hpp"

#include <map>

namespace weshopd::store {

namespace {

struct applied_migration {
  std::string name;
  std::string checksum;
};

std::map<int, applied_migration> read_applied(connection& db)
{
  std::map<int, applied_migration> applied;
  auto st = db.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  while (st->step())
    applied[static_cast<int>(st->int64(0))] = {st->text(1), st->text(2)};
  return applied;
}

} // namespace

migrate_outcome migrate(connection& db, const std::vector<migration>& migrations)
{
  migrate_outcome out;
  try {
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
            " applied_at INTEGER NOT NULL) STRICT");
    const auto applied = read_applied(db);

    std::map<int, const migration*> known;
    for (const auto& m : migrations)
      known[m.version] = &m;
    for (const auto& [version, row] : applied) {
      const auto it = known.find(version);
      if (it == known.end()) {
        out.error = errc::database_too_new;
        out.message = "the database has migration " + std::to_string(version) + " (" + row.name +
                      ") which this weshopd does not know; run a newer weshopd or restore a backup";
        return out;
      }
      if (sha256_hex(it->second->sql) != row.checksum) {
        out.error = errc::migration_tampered;
        out.message = "migration " + std::to_string(version) + "_" + row.name +
                      ".sql changed after it was applied; applied migrations must never be edited";
        return out;
      }
      out.version = version;
    }

    for (const auto& [version, m] : known) {
      if (applied.contains(version))
        continue;
      transaction tx(db);
      db.exec(m->sql);
      db.prepare("INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
        ->bind_all(version, m->name, sha256_hex(m->sql), to_unix_ms(now_ms()))
        .step();
      tx.commit();
      ++out.applied;
      out.version = version;
    }
  } catch (const sqlite_error& e) {
    out.error = e.to_errc();
    out.message = e.what();
  }
  return out;
}

} // namespace weshopd::store
