#pragma once
// The ZIP of a batch's mirrored copies (GET /v1/batches/{id}/archive),
// written by libzip into an unnamed temporary file that the route streams.
//
// Promises:
// - every copy is opened with files::open_beneath from the mirror root's
//   handle (never a link, never a name that leaves the root, only a regular
//   file) and read only from that descriptor;
// - a copy that is missing (expired) or refused is left out and named in
//   `skipped`, never a failure of the whole archive; this holds also for a
//   copy that disappears while the archive is being written;
// - entries are stored (ZIP_CM_STORE: the images are compressed already),
//   in the order given, their names marked UTF-8, as files of mode 0644;
// - the archive is a file without a name (O_TMPFILE, else created and
//   unlinked at once) in `temp_dir`: it is gone when its descriptor closes,
//   also after a crash;
// - no entries (or every copy skipped) gives a valid empty ZIP.
// Blocking file I/O: call it off the event loop. Thread-safe (no shared state).

#include "common/error.hpp"
#include "common/fd_handle.hpp"
#include "common/archive_names.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace weshopd::mirror {

struct archive_entry {
  std::string name; // inside the ZIP: one of archive_names()
  std::string path; // the copy, relative to the mirror root: "<job id>/<n>.png"
};

struct archive_file {
  fd_handle fd;                     // the archive, read/write, at offset 0
  std::uint64_t size = 0;           // its bytes
  std::vector<std::string> skipped; // names of the entries left out, in entry order
};

// `root`: the mirror root (files::open_directory). `stopping` (may be empty)
// is asked before each piece of a copy is read: true ends the writing with
// errc::shutting_down (a daemon that stops). Other errors: the system's for
// the temporary file (boost::system::errc::no_space_on_device, ...), else
// boost::system::errc::io_error with libzip's words; a name given twice is
// invalid_argument.
detailed_result<archive_file> write_archive(int root, const std::vector<archive_entry>& entries,
                                            const std::string& temp_dir, const std::function<bool()>& stopping = {});

} // namespace weshopd::mirror
