#include "store/sqlite_space.hpp"

#include "common/log.hpp"

#include <sys/statvfs.h>

#include <chrono>
#include <filesystem>

namespace weshopd::store {

namespace {

std::int64_t pragma_int(connection& db, const std::string& name)
{
  auto st = db.prepare("PRAGMA " + name);
  return st->step() ? st->int64(0) : 0;
}

std::uint64_t free_bytes_of(const std::filesystem::path& dir)
{
  struct statvfs vfs {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0)
    return 0;
  return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

// One VACUUM rewrites the file with auto_vacuum=INCREMENTAL (it takes as long
// as copying the file; it runs once, before the daemon serves).
void convert(connection& db, const std::string& path)
{
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto free = free_bytes_of(std::filesystem::path(path).parent_path());
  if (ec || !room_to_convert(size, free)) {
    log(log_level::warning, "auto_vacuum_not_converted",
        {{"detail", "database keeps auto_vacuum=NONE: not enough free disk space for the VACUUM copy"
                    " (space freed by retention is reused, not returned); will try again at the next start"},
         {"bytes", std::to_string(size)}, {"free_bytes", std::to_string(free)}});
    return;
  }
  log(log_level::info, "auto_vacuum_converting",
      {{"detail", "converting database to incremental auto_vacuum"}, {"bytes", std::to_string(size)}});
  const auto started = std::chrono::steady_clock::now();
  db.exec("PRAGMA auto_vacuum=INCREMENTAL");
  db.exec("VACUUM");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  log(log_level::info, "auto_vacuum_converted",
      {{"detail", "database converted to incremental auto_vacuum"}, {"ms", std::to_string(ms.count())},
       {"bytes", std::to_string(std::filesystem::file_size(path, ec))}});
}

} // namespace

bool room_to_convert(std::uint64_t file_bytes, std::uint64_t free_bytes)
{
  // The copy, plus a margin for the WAL's own frames and the file system.
  return free_bytes / 2 > file_bytes + file_bytes / 10;
}

void prepare_space(connection& db, const std::string& path)
{
  db.exec("PRAGMA wal_autocheckpoint=" + std::to_string(wal_autocheckpoint_pages));
  db.exec("PRAGMA journal_size_limit=" + std::to_string(journal_size_limit_bytes));
  constexpr std::int64_t none = 0;
  if (pragma_int(db, "auto_vacuum") != none)
    return;
  if (pragma_int(db, "schema_version") == 0 && pragma_int(db, "page_count") <= 1) {
    db.exec("PRAGMA auto_vacuum=INCREMENTAL"); // a new database: before its first table
    if (pragma_int(db, "auto_vacuum") != none)
      return;
  }
  convert(db, path);
}

} // namespace weshopd::store
