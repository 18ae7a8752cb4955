#pragma once
// Space in a SQLite database file (#21 "Space comes back"): pages freed by
// deletes go back to the file system instead of waiting on the freelist.
// - at open: WAL checkpoints are bounded (wal_autocheckpoint, and the WAL file
//   is truncated to journal_size_limit after a checkpoint), a new database is
//   created with auto_vacuum=INCREMENTAL, and an old one (auto_vacuum NONE) is
//   converted once by a VACUUM, when the disk has room for its copy;
// - later: incremental_vacuum gives back freelist pages, a chunk at a time
//   (the retention sweep, after a purge).

#include "store/sqlite.hpp"

#include <cstdint>
#include <string>

namespace weshopd::store {

inline constexpr int wal_autocheckpoint_pages = 1000;
inline constexpr std::int64_t journal_size_limit_bytes = 64 * 1024 * 1024;

// Sets the pragmas above on the writer's connection, before any migration
// (auto_vacuum must be chosen before the first table). Logs the conversion
// of an old database, or why it cannot happen now; never fails the open for it.
void prepare_space(connection& db, const std::string& path);

// Whether free_bytes leave room for converting a file of file_bytes: VACUUM
// writes a full copy (the WAL) besides the file. Pure.
bool room_to_convert(std::uint64_t file_bytes, std::uint64_t free_bytes);

} // namespace weshopd::store
