#pragma once
// A local image that a job names (absolute path or file:// URL), checked the
// way weshopd must before uploading it: the real path (symlinks resolved, no
// "..") lies under one of uploads.roots, it is a readable regular file within
// the size limit, and its magic bytes say PNG, JPEG or WebP.

#include <cstdint>
#include <string>
#include <vector>

namespace weshopd::engine {

struct local_image {
  std::string path;         // canonical
  std::string content_type; // image/png, image/jpeg, image/webp
  std::uint64_t size = 0;
};

struct local_image_check {
  local_image image;
  std::string problem; // empty when the image may be used
  explicit operator bool() const { return problem.empty(); }
};

local_image_check check_local_image(const std::string& path, const std::vector<std::string>& roots,
                                    std::uint64_t max_size);

// Where the copy of an input with this content lives in `dir` (named by
// content, so an image is kept once however many jobs use it).
std::string input_copy_path(const std::string& dir, const std::string& sha256, std::string_view content_type);

// Keeps a copy of a job's local input in `dir` (a hard link when it can), so
// the dashboard can show it after WeShop's URL replaced the path. Best effort.
void keep_input_copy(const local_image& image, const std::string& sha256, const std::string& dir);

// SHA-256 of a file's content, hex; empty when it cannot be read.
std::string file_sha256(const std::string& path);

} // namespace weshopd::engine
