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

// SHA-256 of a file's content, hex; empty when it cannot be read.
std::string file_sha256(const std::string& path);

} // namespace weshopd::engine
