#pragma once
// libzip sources over descriptors (zip_source_function), for batch_archive:
// the archive written into an open file, and a mirrored copy read from a
// descriptor opened beneath the mirror root when libzip starts reading it
// (one copy open at a time, however many entries). Each state outlives its
// source: the callbacks never free it. Not thread-safe: one archive, one thread.

#include "common/fd_handle.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>

namespace weshopd::mirror {

// A zip_error_t that is finished with its owner.
struct zip_error_holder {
  zip_error_t error;
  zip_error_holder() { zip_error_init(&error); }
  ~zip_error_holder() { zip_error_fini(&error); }
  zip_error_holder(const zip_error_holder&) = delete;
  zip_error_holder& operator=(const zip_error_holder&) = delete;
};

// The archive's bytes, written at explicit offsets into `fd` (libzip seeks
// back to finish each local header). It reports "no such file" until written,
// so zip_open_from_source(ZIP_CREATE) starts a new archive.
struct zip_target {
  int fd = -1;
  std::uint64_t pos = 0; // the next write's offset
  std::uint64_t end = 0; // the bytes written
  int system_error = 0;  // errno of the write that failed (ENOSPC ...)
  zip_error_holder failure;
};

zip_source_t* make_target_source(zip_target& target, zip_error_t* error);

// One copy: `path` beneath `root`, described by its size and time as seen
// when the entry was planned; opened again (open_beneath) when libzip reads it.
struct zip_copy {
  int root = -1;
  std::string path;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  const std::function<bool()>* stopping = nullptr; // asked before each read
  fd_handle fd;
  int open_error = 0; // errno when the copy could not be opened for reading (gone since planned)
  bool stopped = false;
  zip_error_holder failure;
};

zip_source_t* make_copy_source(zip_t* archive, zip_copy& copy);

// A regular file beneath `root`, opened for reading (files::open_beneath), or
// errno (ENXIO: not a regular file). `st` receives its fstat.
fd_handle open_copy(int root, const std::string& path, struct stat& st, int& error);

} // namespace weshopd::mirror
