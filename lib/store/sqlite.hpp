#pragma once
// Thin RAII over the SQLite C API: a connection with weshopd's pragmas and a
// cache of prepared statements, statements with typed bind/column, and a
// transaction guard. Errors throw sqlite_error (the store turns them into errc
// at its boundary). A connection is used by one thread at a time.

#include "common/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace weshopd::store {

class sqlite_error : public std::runtime_error {
public:
  sqlite_error(int code, const std::string& what);
  int code() const noexcept { return code_; } // extended result code
  errc to_errc() const noexcept;
  // True for failures of the database as a whole (disk full, I/O, read-only,
  // corrupt, out of memory): the enclosing transaction cannot go on.
  bool is_fatal() const noexcept;

private:
  int code_;
};

class statement {
public:
  statement(sqlite3* db, std::string_view sql);
  statement(statement&&) noexcept;
  statement& operator=(statement&&) = delete;
  statement(const statement&) = delete;
  ~statement();

  // Binds parameters 1..N in order.
  template <class... Args>
  statement& bind_all(const Args&... args)
  {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }
  void bind(int index, std::int64_t v);
  void bind(int index, int v) { bind(index, static_cast<std::int64_t>(v)); }
  void bind(int index, bool v) { bind(index, static_cast<std::int64_t>(v)); }
  void bind(int index, std::string_view v);
  void bind(int index, const std::string& v) { bind(index, std::string_view(v)); }
  void bind(int index, const char* v) { bind(index, std::string_view(v)); }
  void bind(int index, std::nullptr_t);
  template <class T>
  void bind(int index, const std::optional<T>& v)
  {
    if (v)
      bind(index, *v);
    else
      bind(index, nullptr);
  }

  bool step(); // true: a row is ready; false: done
  void reset() noexcept;

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  std::string text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const;

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A cached statement, reset (bindings cleared) when the lease ends.
class statement_lease {
public:
  explicit statement_lease(statement& s) : s_(&s) {}
  statement_lease(const statement_lease&) = delete;
  ~statement_lease() { s_->reset(); }
  statement* operator->() const { return s_; }
  statement& operator*() const { return *s_; }

private:
  statement* s_;
};

struct connection_options {
  std::string path;
  bool read_only = false;
  std::string synchronous = "full"; // off | normal | full | extra
  int busy_timeout_ms = 5000;
};

class connection {
public:
  explicit connection(const connection_options& options);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  void exec(std::string_view sql); // one or more statements, no results
  statement_lease prepare(std::string_view sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() const { return db_; }

private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
};

// BEGIN IMMEDIATE now, ROLLBACK unless commit() was called.
class transaction {
public:
  explicit transaction(connection& db);
  transaction(const transaction&) = delete;
  ~transaction();
  void commit();

private:
  connection& db_;
  bool done_ = false;
};

} // namespace weshopd::store
