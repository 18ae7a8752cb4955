#include "store/sqlite_backup.hpp"

#include "common/fd_handle.hpp"
#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <atomic>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace weshopd::store {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view infix = ".backup-";

struct place {
  fs::path dir;     // the database's directory
  std::string base; // the database file's name
};

place place_of(const std::string& db_path)
{
  const fs::path p = fs::absolute(db_path);
  return {p.parent_path(), p.filename().string()};
}

// The temporary names go whatever happens (they are only ever ours).
struct temp_names {
  int dir;
  std::string name;
  ~temp_names()
  {
    ::unlinkat(dir, name.c_str(), 0);
    ::unlinkat(dir, (name + "-journal").c_str(), 0);
  }
};

std::int64_t pragma_int(connection& db, const char* sql)
{
  auto st = db.prepare(sql);
  return st->step() ? st->int64(0) : 0;
}

// Percent-encodes what a SQLite URI filename gives meaning to.
std::string uri_path(const std::string& path)
{
  std::string out;
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[(c >> 4) & 0xf];
      out += hex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// PRAGMA integrity_check of the copy, opened immutable (no locks, no side files).
std::string integrity_of(const fs::path& copy)
{
  sqlite3* db = nullptr;
  const auto uri = "file:" + uri_path(copy.string()) + "?immutable=1";
  std::string verdict = "cannot open the copy";
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    else
      verdict = sqlite3_errmsg(db);
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return verdict;
}

// Reads the whole copy once from its descriptor: its SHA-256 and size.
std::pair<std::string, std::uint64_t> hash_of(int fd)
{
  sha256_stream hash;
  std::string buffer(1 << 20, '\0');
  std::uint64_t total = 0;
  for (;;) {
    const auto n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(total));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw std::system_error(errno, std::generic_category(), "read the copy");
    if (n == 0)
      break;
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    total += static_cast<std::uint64_t>(n);
  }
  return {hash.hex(), total};
}

// fsync in steps of 1 MiB: one fsync of the whole copy would make the
// writer's next commit wait for all of it (ext4 orders the journal after
// data), pausing intake for as long; a step holds it up for a few ms at most.
bool sync_in_steps(int fd)
{
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return false;
  constexpr off_t step = 1 << 20;
  for (off_t at = 0; at < st.st_size; at += step)
    if (::sync_file_range(fd, at, step,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
      return false;
  return ::fsync(fd) == 0;
}

detailed_error room_problem(int dir, const place& where, std::uint64_t needed)
{
  struct statvfs vfs {};
  if (::fstatvfs(dir, &vfs) != 0)
    return {errc::storage_io, "cannot tell the free space of " + where.dir.string()};
  const auto free = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  const auto wanted = needed + needed / 10 + (16u << 20); // the copy, with a margin for the WAL meanwhile
  if (free >= wanted)
    return {};
  return {errc::storage_full, "the state directory " + where.dir.string() + " has " + std::to_string(free >> 20) +
                                " MiB free; a copy of the database needs about " + std::to_string(wanted >> 20) + " MiB"};
}

std::atomic<bool> backups_interrupted{false};

// SQLite's progress handler: non-zero ends the statement (SQLITE_INTERRUPT).
int stop_if_interrupted(void*)
{
  return backups_interrupted.load() ? 1 : 0;
}

// The copy made, checked and synced; the name still exists (temp_names removes it).
detailed_error make_copy(connection& reader, int dir, const place& where, const std::string& name, int fd)
{
  const auto full = where.dir / name;
  {
    // A read transaction (WAL): the writer goes on committing beside it, so
    // intake is never paused; the copy is the database as of its start.
    sqlite3_progress_handler(reader.handle(), 1000, stop_if_interrupted, nullptr);
    auto st = reader.prepare("VACUUM INTO ?1");
    st->bind(1, full.string());
    st->step();
  }
  struct stat ours {}, named {};
  if (::fstat(fd, &ours) != 0 || ::fstatat(dir, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
      ours.st_ino != named.st_ino || ours.st_dev != named.st_dev)
    return {errc::storage_io, "the backup's temporary file " + full.string() + " was replaced while it was written"};
  if (backups_interrupted.load()) // the copy may be whole, but the daemon is stopping: nobody takes it
    return {errc::storage_busy, "weshopd is stopping: the backup was interrupted"};
  if (const auto verdict = integrity_of(full); verdict != "ok")
    return {errc::storage_corrupt, "the copy failed PRAGMA integrity_check: " + verdict};
  if (!sync_in_steps(fd))
    return {errc::storage_io, "fsync of the copy: " + std::generic_category().message(errno)};
  return {};
}

} // namespace

backup_copy::~backup_copy()
{
  ::close(fd_);
}

std::string backup_copy::read(std::uint64_t offset, std::size_t max) const
{
  std::string out(max, '\0');
  for (;;) {
    const auto n = ::pread(fd_, out.data(), max, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw std::system_error(errno, std::generic_category(), "read the backup copy");
    out.resize(static_cast<std::size_t>(n));
    return out;
  }
}

detailed_result<std::shared_ptr<backup_copy>> backup_sqlite(std::string db_path, int busy_timeout_ms)
{
  if (backups_interrupted.load())
    return detailed_error{errc::storage_busy, "weshopd is stopping: no backup now"};
  const auto where = place_of(db_path);
  const fd_handle dir(::open(where.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir)
    return detailed_error{errc::storage_io, "cannot open the state directory " + where.dir.string()};
  try {
    // synchronous=off: the copy takes this connection's level, and is synced by sync_in_steps instead.
    connection reader(connection_options{db_path, true, "off", busy_timeout_ms});
    const auto needed = static_cast<std::uint64_t>(pragma_int(reader, "PRAGMA page_count") -
                                                   pragma_int(reader, "PRAGMA freelist_count")) *
                        static_cast<std::uint64_t>(pragma_int(reader, "PRAGMA page_size"));
    if (auto problem = room_problem(dir.get(), where, needed); problem.code)
      return problem;
    const temp_names names{dir.get(), where.base + std::string(infix) + random_token(12) + ".tmp"};
    fd_handle fd(::openat(dir.get(), names.name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd)
      return detailed_error{errc::storage_io, "cannot create a temporary file in " + where.dir.string() + ": " +
                                                std::generic_category().message(errno)};
    if (auto problem = make_copy(reader, dir.get(), where, names.name, fd.get()); problem.code)
      return problem;
    auto [sha256, bytes] = hash_of(fd.get());
    return std::make_shared<backup_copy>(fd.release(), bytes, std::move(sha256));
  } catch (const sqlite_error& e) {
    return detailed_error{e.to_errc(), std::string("the copy failed: ") + e.what()};
  } catch (const std::system_error& e) {
    return detailed_error{errc::storage_io, e.what()};
  }
}

void interrupt_backups()
{
  backups_interrupted.store(true);
}

void remove_backup_leftovers(const std::string& db_path)
{
  const auto where = place_of(db_path);
  const auto prefix = where.base + std::string(infix);
  std::error_code ec;
  for (fs::directory_iterator it(where.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(prefix) && it->symlink_status(ec).type() == fs::file_type::regular)
      fs::remove(it->path(), ec);
  }
}

} // namespace weshopd::store
