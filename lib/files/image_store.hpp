#pragma once
// weshopd's own copies of input images (uploads.dir): images sent by the
// dashboard and every local file a job names, named by content
// (<sha256>.<ext>), so an image is kept once however many jobs use it.
// After intake nothing reads the caller's file again: the upload to WeShop
// and GET /v1/jobs/{id}/inputs/{name} read these copies.
//
// Promises: a copy is written whole and durably (temporary name, fsync,
// rename, folder fsync) beneath the folder's handle, or not at all; the
// folder never holds more than `max_total_bytes` (uploads.max_total_bytes):
// past it put() answers over_quota and writes nothing; copies unused for
// `keep` are removed by sweep() (using a copy again renews it).
//
// Thread-safety: every member may be called from any thread.

#include "files/image_file.hpp"
#include "files/open_beneath.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace weshopd::files {

struct image_store_options {
  std::string dir; // absolute; made when missing
  std::uint64_t max_total_bytes = 2ull * 1024 * 1024 * 1024;
  std::chrono::seconds keep = std::chrono::hours(24 * 7);
};

enum class put_outcome { stored, over_quota, failed };

class image_store {
public:
  // Throws std::runtime_error when the folder cannot be made or opened.
  explicit image_store(image_store_options options);

  const std::string& dir() const { return options_.dir; }
  // Where the copy of that content is (whether or not it exists).
  std::string path_of(std::string_view sha256, std::string_view content_type) const;

  put_outcome put(const image_file& image);
  // A copy, read back (checked like any input); nullopt when absent.
  std::optional<image_file> read(std::string_view sha256, std::uint64_t max_size) const;

  // Removes copies unused for `keep`; at most once a minute unless forced
  // (put() calls it too).
  void sweep(bool force = false);
  std::uint64_t total_bytes() const;

private:
  image_store_options options_;
  fd_handle dir_;
  mutable std::mutex mutex_;
  std::uint64_t total_ = 0;
  std::chrono::steady_clock::time_point last_sweep_{};
};

} // namespace weshopd::files
