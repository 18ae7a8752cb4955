#include "store/postgres.hpp"

#include <libpq-fe.h>

namespace weshopd::store {

namespace {

bool link_lost(PGconn* c)
{
  return !c || PQstatus(c) != CONNECTION_OK;
}

[[noreturn]] void fail(PGconn* c, PGresult* r, std::string_view what)
{
  std::string state;
  std::string message = std::string(what) + ": ";
  if (r) {
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE))
      state = s;
    message += PQresultErrorMessage(r);
    PQclear(r);
  } else if (c) {
    message += PQerrorMessage(c);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
    message.pop_back();
  throw pg_error(message, state, link_lost(c) || state.starts_with("08") || state.starts_with("57P"));
}

} // namespace

boost::system::error_code pg_error::to_errc() const
{
  if (connection_lost_ || sqlstate_.starts_with("08") || sqlstate_.starts_with("57P"))
    return errc::storage_io; // the server is gone or going: try again later
  if (sqlstate_ == "53100")
    return errc::storage_full;
  if (sqlstate_ == "25006")
    return errc::storage_readonly;
  if (sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_ == "55P03")
    return errc::storage_busy;
  if (sqlstate_.starts_with("XX"))
    return errc::storage_corrupt;
  return errc::storage_failed;
}

pg_rows::pg_rows(PGresult* r) : r_(r) {}
pg_rows::pg_rows(pg_rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
pg_rows::~pg_rows()
{
  if (r_)
    PQclear(r_);
}
int pg_rows::size() const { return PQntuples(r_); }
bool pg_rows::null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string pg_rows::text(int row, int col) const
{
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}
std::int64_t pg_rows::int64(int row, int col) const { return std::stoll(PQgetvalue(r_, row, col)); }
bool pg_rows::boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }
std::optional<std::string> pg_rows::opt_text(int row, int col) const
{
  return null(row, col) ? std::nullopt : std::optional(text(row, col));
}
std::optional<std::int64_t> pg_rows::opt_int64(int row, int col) const
{
  return null(row, col) ? std::nullopt : std::optional(int64(row, col));
}
std::int64_t pg_rows::affected() const
{
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::stoll(n) : 0;
}

pg_connection::pg_connection(const std::string& conninfo, const std::string& password)
{
  const char* keys[] = {"dbname", "password", "application_name", "connect_timeout", nullptr};
  // (libpq skips a keyword whose value is null: no password, none sent)
  const char* values[] = {conninfo.c_str(), password.empty() ? nullptr : password.c_str(), "weshopd", "5", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1); // expand_dbname: conninfo may be a URI
  if (link_lost(conn_)) {
    std::string message = conn_ ? PQerrorMessage(conn_) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    throw pg_error("cannot connect to PostgreSQL: " + message, "08001", true);
  }
  exec("SET client_min_messages = warning");
}

pg_connection::~pg_connection()
{
  if (conn_)
    PQfinish(conn_);
}

bool pg_connection::healthy() const
{
  return !link_lost(conn_);
}

void pg_connection::exec(std::string_view sql)
{
  PGresult* r = PQexec(conn_, std::string(sql).c_str());
  const auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(conn_, r, "PostgreSQL");
  PQclear(r);
}

pg_rows pg_connection::run(const std::string& sql, const pg_params& params)
{
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const auto name = "s" + std::to_string(prepared_.size());
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
      fail(conn_, r, "PostgreSQL prepare");
    PQclear(r);
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  for (const auto& v : params.values())
    values.push_back(v ? v->c_str() : nullptr);
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                               nullptr, 0);
  const auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(conn_, r, "PostgreSQL");
  return pg_rows(r);
}

pg_transaction::~pg_transaction()
{
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const pg_error&) {
      // the connection is gone: so is the transaction
    }
  }
}

void pg_transaction::commit()
{
  db_.exec("COMMIT");
  done_ = true;
}

} // namespace weshopd::store
