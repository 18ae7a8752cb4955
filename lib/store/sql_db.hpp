#pragma once
// What the shared job scripts (job_scripts.hpp) need of a database: run one
// statement with arguments and see its rows, plus the few words of SQL the
// backends spell differently (sql_dialect). SQLite (sqlite_job_store.cpp) and
// PostgreSQL (postgres_job_store.cpp) each adapt their connection to it.
//
// Scripts are written once, with numbered placeholders ?1..?N (SQLite takes
// them as they are; PostgreSQL's adapter turns them into $1..$N). Failures
// throw the backend's own error (sqlite_error, pg_error); the backend turns
// them into errc at its boundary. An sql_db is used by one thread at a time.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weshopd::store {

// The words of SQL that differ between the backends.
struct sql_dialect {
  std::string_view job_columns; // job_rows.hpp: booleans selected as integers
  // PostgreSQL: rows read for a decision are locked until the commit (other
  // hosts write too); SQLite's one writer needs no lock.
  std::string_view for_update;
  std::string_view held; // a held job, as the backend's partial index names it
  bool lock_rows = false;  // budget rows are created first so that they can be locked
  bool claims_jobs = false; // jobs carry claimed_by (several daemons share the queue)
  bool incremental_vacuum = false; // SQLite: freed pages go back by PRAGMA incremental_vacuum
};

// One argument: NULL, an integer, a boolean or text.
using sql_value = std::variant<std::nullptr_t, std::int64_t, bool, std::string>;

class sql_args {
public:
  sql_args& add(std::int64_t v) { values_.emplace_back(v); return *this; }
  sql_args& add(int v) { values_.emplace_back(std::int64_t{v}); return *this; }
  sql_args& add(bool v) { values_.emplace_back(v); return *this; }
  sql_args& add(std::string_view v) { values_.emplace_back(std::string(v)); return *this; }
  sql_args& add(const std::string& v) { values_.emplace_back(v); return *this; }
  sql_args& add(const char* v) { values_.emplace_back(std::string(v)); return *this; }
  template <class T>
  sql_args& add(const std::optional<T>& v)
  {
    if (v)
      return add(*v);
    values_.emplace_back(nullptr);
    return *this;
  }
  const std::vector<sql_value>& values() const { return values_; }

private:
  std::vector<sql_value> values_;
};

// One row of a result, read as job_rows.hpp's readers expect.
class sql_row {
public:
  virtual std::string text(int col) const = 0;
  virtual std::optional<std::string> opt_text(int col) const = 0;
  virtual std::int64_t int64(int col) const = 0;
  virtual std::optional<std::int64_t> opt_int64(int col) const = 0;

protected:
  ~sql_row() = default;
};

class sql_db {
public:
  using each_row = std::function<void(const sql_row&)>;
  virtual ~sql_db() = default;
  virtual const sql_dialect& dialect() const = 0;
  // Runs one statement; `each` sees every row it yields. Returns the rows an
  // INSERT, UPDATE or DELETE changed.
  virtual std::int64_t run(const std::string& sql, const sql_args& args = {}, const each_row& each = {}) = 0;
};

// The first row read by `read`, if any.
template <class Read>
auto first_row(sql_db& db, const std::string& sql, const sql_args& args, Read read)
  -> std::optional<decltype(read(std::declval<const sql_row&>()))>
{
  std::optional<decltype(read(std::declval<const sql_row&>()))> out;
  db.run(sql, args, [&](const sql_row& r) {
    if (!out)
      out.emplace(read(r));
  });
  return out;
}

// Every row read by `read`.
template <class Read>
auto all_rows(sql_db& db, const std::string& sql, const sql_args& args, Read read)
  -> std::vector<decltype(read(std::declval<const sql_row&>()))>
{
  std::vector<decltype(read(std::declval<const sql_row&>()))> out;
  db.run(sql, args, [&](const sql_row& r) { out.push_back(read(r)); });
  return out;
}

// "?1 .. ?N" as PostgreSQL's "$1 .. $N" (scripts have no '?' elsewhere).
std::string dollar_placeholders(std::string_view sql);

} // namespace weshopd::store
