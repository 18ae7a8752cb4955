#pragma once
// The folders whose files jobs may name (uploads.roots, and uploads.dir),
// each held as a directory handle opened at start.
//
// A job names a file by absolute path; read() finds the root the path lies
// in by its text alone (no lookup), then opens the rest beneath that root's
// handle (files/open_beneath.hpp) exactly once and reads the image from that
// descriptor. A path with "..", a symlink at its end or one leading out of
// the root, a FIFO, socket, device or folder, or a file over the size limit
// is refused with a sentence for the client; nothing blocks.
//
// Thread-safety: read() may be called from any thread.

#include "files/image_file.hpp"
#include "files/open_beneath.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::files {

class upload_roots {
public:
  // Roots that cannot be opened are left out (and named by unusable()).
  explicit upload_roots(const std::vector<std::string>& roots);

  image_read read(std::string_view absolute_path, std::uint64_t max_size) const;

  bool empty() const { return roots_.empty(); }
  const std::vector<std::string>& unusable() const { return unusable_; }

private:
  struct root {
    std::vector<std::filesystem::path> names; // as configured and as resolved at start
    fd_handle handle;
  };
  std::vector<root> roots_;
  std::vector<std::string> unusable_;
};

} // namespace weshopd::files
