#pragma once
// Brings a database to the schema of this binary. Each pending migration runs
// in its own transaction and is recorded in schema_migrations with the
// SHA-256 of its text. Refuses, changing nothing, when an applied migration's
// text differs from the binary's (errc::migration_tampered) or when the
// database has a version this binary does not know (errc::database_too_new).

#include "common/error.hpp"
#include "store/migration.hpp"

#include <string>
#include <vector>

namespace weshopd::store {

class connection;

struct migrate_outcome {
  boost::system::error_code error; // empty on success
  std::string message;             // what went wrong, for the startup log
  int applied = 0;                 // migrations run now
  int version = 0;                 // schema version afterwards
};

migrate_outcome migrate(connection& db, const std::vector<migration>& migrations);

} // namespace weshopd::store
