#pragma once
// Local input images as the API and the engine share them: where jobs may
// name files (roots), weshopd's copies of what they named (copies), and the
// size limit of one image. A file is read once, at intake, from the handle
// of its root; its copy is what the engine uploads and the dashboard shows.

#include "files/image_store.hpp"
#include "files/upload_roots.hpp"

#include <memory>

namespace weshopd::files {

struct local_inputs {
  upload_roots roots;
  std::shared_ptr<image_store> copies;          // null (no uploads.dir): local files are refused
  std::uint64_t max_image_bytes = 32 * 1024 * 1024;
};

} // namespace weshopd::files
