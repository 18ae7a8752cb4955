#pragma once
// A schema migration: migrations/[postgres/]NNNN_name.sql, compiled into the binary.

#include <string_view>
#include <vector>

namespace weshopd::store {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// migrations/*.sql (SQLite) in version order (generated at build time).
const std::vector<migration>& embedded_migrations();
// migrations/postgres/*.sql in version order.
const std::vector<migration>& embedded_postgres_migrations();

} // namespace weshopd::store
