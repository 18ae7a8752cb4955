#pragma once
// Brings a database to the schema of this binary. Each pending migration runs
// in its own transaction and is recorded in schema_migrations with the
// SHA-256 of its text. Refuses, changing nothing, when an applied migration's
// text differs from the binary's (errc::migration_tampered) or when the
// database has a version this binary does not know (errc::database_too_new).
// One runner for every backend: each gives a migration_target.

#include "common/error.hpp"
#include "store/migration.hpp"

#include <map>
#include <string>
#include <vector>

namespace weshopd::store {

class connection;
class pg_connection;

struct migrate_outcome {
  boost::system::error_code error; // empty on success
  std::string message;             // what went wrong, for the startup log
  int applied = 0;                 // migrations run now
  int version = 0;                 // schema version afterwards
};

struct applied_migration {
  std::string name;
  std::string checksum;
};

// What the runner needs of a database; a failure throws (the backend's error).
class migration_target {
public:
  virtual ~migration_target() = default;
  // The applied migrations by version (creating schema_migrations first if needed).
  virtual std::map<int, applied_migration> applied() = 0;
  // Runs the migration and records it, in one transaction.
  virtual void apply(const migration& m, const std::string& checksum) = 0;
};

// The runner; exceptions from the target pass through, `out` keeps the progress made.
void run_migrations(migration_target& db, const std::vector<migration>& migrations, migrate_outcome& out);

// SQLite and PostgreSQL: the runner with the backend's errors as outcomes.
migrate_outcome migrate(connection& db, const std::vector<migration>& migrations);
migrate_outcome migrate(pg_connection& db, const std::vector<migration>& migrations);

} // namespace weshopd::store
