#pragma once
// A schema migration: migrations/NNNN_name.sql, compiled into the binary.

#include <string_view>
#include <vector>

namespace weshopd::store {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// migrations/*.sql in version order (generated at build time).
const std::vector<migration>& embedded_migrations();

} // namespace weshopd::store
