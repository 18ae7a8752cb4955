#pragma once
// An online backup of a SQLite database: a consistent copy made while the
// daemon keeps writing (VACUUM INTO from a read transaction of a connection
// of its own: in WAL mode the writer never waits for it), checked
// (PRAGMA integrity_check), fsynced and hashed, handed over as an open
// descriptor whose name is already gone.
//
// The copy is made beside the database (its directory is the state
// directory), under a name created O_EXCL beneath a handle of that directory:
// `<db file>.backup-<unique>.tmp` (and SQLite's `-journal` for it). SQLite
// can only write it by name: before the copy is trusted, the name must still
// be the file this created (same inode), and everything after (check, sync,
// hash, the answer) reads the descriptor. The name goes before the copy is
// handed over; a crash can leave it behind, and remove_backup_leftovers()
// (at open) deletes it. Blocking: run it off the event loop
// (async_jobs::backup()).

#include "common/error.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace weshopd::store {

// A finished copy: read it from `fd` (pread: each reader its own offset).
// Closing it (the destructor) frees its disk space. Thread-safe to read.
class backup_copy {
public:
  backup_copy(int fd, std::uint64_t bytes, std::string sha256) : fd_(fd), bytes_(bytes), sha256_(std::move(sha256)) {}
  ~backup_copy();
  backup_copy(const backup_copy&) = delete;
  backup_copy& operator=(const backup_copy&) = delete;

  std::uint64_t bytes() const { return bytes_; }
  const std::string& sha256() const { return sha256_; } // lowercase hex
  // Up to `max` bytes from `offset`; empty at the end. Throws std::system_error on a read error.
  std::string read(std::uint64_t offset, std::size_t max) const;

private:
  int fd_;
  std::uint64_t bytes_;
  std::string sha256_;
};

// errc::storage_full (the directory lacks room for a copy: the detail says
// how much it has and needs), storage_corrupt (the copy failed its integrity
// check), other storage_* codes for the database's own failures.
// db_path by value: the copy may outlive the store object that asked for it.
detailed_result<std::shared_ptr<backup_copy>> backup_sqlite(std::string db_path, int busy_timeout_ms);

// A stopping daemon: a copy being made stops within a few thousand SQLite
// steps (its VACUUM INTO ends with SQLITE_INTERRUPT: a storage_* error), and
// any later one fails at once (storage_busy). Process-wide and final.
void interrupt_backups();

// Deletes the temporary names a backup interrupted by a crash left beside `db_path`.
void remove_backup_leftovers(const std::string& db_path);

} // namespace weshopd::store
