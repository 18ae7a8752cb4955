#pragma once
// A thin RAII layer over libpq: a connection that prepares each statement
// once (by its text), text-format parameters, results read by row and column,
// and failures as pg_error with the SQLSTATE and whether the link is gone.
// Not thread-safe: one connection per thread.

#include "common/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace weshopd::store {

class pg_error : public std::runtime_error {
public:
  pg_error(std::string message, std::string sqlstate, bool connection_lost)
    : std::runtime_error(std::move(message)), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost)
  {
  }
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return connection_lost_; }
  // unique_violation and the like are a caller's case; the rest is storage_*.
  boost::system::error_code to_errc() const;

private:
  std::string sqlstate_;
  bool connection_lost_;
};

// Parameters as text (libpq's text format); nullopt is SQL NULL.
class pg_params {
public:
  pg_params& add(std::string_view v) { values_.emplace_back(std::string(v)); return *this; }
  pg_params& add(const std::string& v) { values_.emplace_back(v); return *this; }
  pg_params& add(const char* v) { values_.emplace_back(std::string(v)); return *this; }
  pg_params& add(std::int64_t v) { values_.emplace_back(std::to_string(v)); return *this; }
  pg_params& add(int v) { values_.emplace_back(std::to_string(v)); return *this; }
  pg_params& add(bool v) { values_.emplace_back(v ? "t" : "f"); return *this; }
  template <class T>
  pg_params& add(const std::optional<T>& v)
  {
    if (v)
      return add(*v);
    values_.emplace_back(std::nullopt);
    return *this;
  }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

private:
  std::vector<std::optional<std::string>> values_;
};

class pg_rows {
public:
  explicit pg_rows(::pg_result* r);
  pg_rows(pg_rows&&) noexcept;
  ~pg_rows();
  int size() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

private:
  ::pg_result* r_;
};

// One row of a result, read like a SQLite statement (see job_rows.hpp).
class pg_row {
public:
  pg_row(const pg_rows& rows, int row) : rows_(rows), row_(row) {}
  std::string text(int col) const { return rows_.text(row_, col); }
  std::optional<std::string> opt_text(int col) const { return rows_.opt_text(row_, col); }
  std::int64_t int64(int col) const { return rows_.int64(row_, col); }
  std::optional<std::int64_t> opt_int64(int col) const { return rows_.opt_int64(row_, col); }

private:
  const pg_rows& rows_;
  int row_;
};

class pg_connection {
public:
  // conninfo: a libpq URI or keyword/value string; the password is passed
  // apart so that it is never part of a string that might be logged.
  pg_connection(const std::string& conninfo, const std::string& password);
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection();

  // One or more statements without parameters (migrations, BEGIN, COMMIT).
  void exec(std::string_view sql);
  // A statement with $1.. parameters, prepared on first use on this connection.
  pg_rows run(const std::string& sql, const pg_params& params = {});
  bool healthy() const;
  // The libpq connection, for LISTEN on an event loop (postgres_listener).
  ::pg_conn* native() const { return conn_; }

private:
  ::pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_; // sql -> statement name
};

// BEGIN on construction, ROLLBACK on destruction unless commit() ran.
class pg_transaction {
public:
  explicit pg_transaction(pg_connection& db) : db_(db) { db_.exec("BEGIN"); }
  pg_transaction(const pg_transaction&) = delete;
  ~pg_transaction();
  void commit();

private:
  pg_connection& db_;
  bool done_ = false;
};

} // namespace weshopd::store
