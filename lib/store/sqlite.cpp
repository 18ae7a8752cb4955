#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <set>

namespace weshopd::store {

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what)
{
  std::string message(what);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw sqlite_error(db ? sqlite3_extended_errcode(db) : rc, message);
}

void check(sqlite3* db, int rc, std::string_view what)
{
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    fail(db, rc, what);
}

} // namespace

sqlite_error::sqlite_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}

errc sqlite_error::to_errc() const noexcept
{
  switch (code_ & 0xff) {
  case SQLITE_FULL: return errc::storage_full;
  case SQLITE_READONLY: return errc::storage_readonly;
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN: return errc::storage_io;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return errc::storage_busy;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: return errc::storage_corrupt;
  default: return errc::storage_failed;
  }
}

bool sqlite_error::is_fatal() const noexcept
{
  switch (code_ & 0xff) {
  case SQLITE_FULL:
  case SQLITE_READONLY:
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_NOMEM:
  case SQLITE_INTERRUPT: return true;
  default: return false;
  }
}

statement::statement(sqlite3* db, std::string_view sql) : db_(db)
{
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                                    nullptr);
  check(db, rc, "prepare");
}

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

statement::~statement()
{
  sqlite3_finalize(stmt_);
}

void statement::bind(int index, std::int64_t v)
{
  check(db_, sqlite3_bind_int64(stmt_, index, v), "bind");
}

void statement::bind(int index, std::string_view v)
{
  check(db_, sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8), "bind");
}

void statement::bind(int index, std::nullptr_t)
{
  check(db_, sqlite3_bind_null(stmt_, index), "bind");
}

bool statement::step()
{
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  fail(db_, rc, "step");
}

void statement::reset() noexcept
{
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int col) const
{
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::int64_t statement::int64(int col) const
{
  return sqlite3_column_int64(stmt_, col);
}

std::string statement::text(int col) const
{
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string{};
}

std::optional<std::int64_t> statement::opt_int64(int col) const
{
  return is_null(col) ? std::nullopt : std::optional(int64(col));
}

std::optional<std::string> statement::opt_text(int col) const
{
  return is_null(col) ? std::nullopt : std::optional(text(col));
}

connection::connection(const connection_options& options)
{
  static const std::set<std::string, std::less<>> synchronous_modes{"off", "normal", "full", "extra"};
  if (!synchronous_modes.contains(options.synchronous))
    throw sqlite_error(SQLITE_MISUSE, "store.synchronous must be off, normal, full or extra");

  const int flags = (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = "open " + options.path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw sqlite_error(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  try {
    if (!options.read_only)
      exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=" + options.synchronous);
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

connection::~connection()
{
  cache_.clear(); // finalize statements before closing
  sqlite3_close_v2(db_);
}

void connection::exec(std::string_view sql)
{
  const std::string text(sql);
  check(db_, sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr), "exec");
}

statement_lease connection::prepare(std::string_view sql)
{
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end())
    it = cache_.emplace(std::string(sql), std::make_unique<statement>(db_, sql)).first;
  return statement_lease(*it->second);
}

std::int64_t connection::changes() const
{
  return sqlite3_changes64(db_);
}

std::int64_t connection::last_insert_rowid() const
{
  return sqlite3_last_insert_rowid(db_);
}

transaction::transaction(connection& db) : db_(db)
{
  db_.exec("BEGIN IMMEDIATE");
}

transaction::~transaction()
{
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const sqlite_error&) {
      // A failed COMMIT may already have rolled back; nothing else to undo.
    }
  }
}

void transaction::commit()
{
  db_.exec("COMMIT");
  done_ = true;
}

} // namespace weshopd::store
