#include "local_files.hpp"

#include "common/log.hpp"

#include <filesystem>

namespace weshopd {

std::shared_ptr<files::local_inputs> open_local_files(const config::settings& cfg)
{
  std::shared_ptr<files::image_store> copies;
  auto roots = cfg.uploads.roots;
  if (cfg.uploads.dir) {
    try {
      copies = std::make_shared<files::image_store>(files::image_store_options{
        .dir = std::filesystem::weakly_canonical(*cfg.uploads.dir).string(), .max_total_bytes = cfg.uploads.max_total_bytes});
      roots.push_back(copies->dir());
    } catch (const std::exception& e) {
      log(log_level::warning, "uploads_dir_unusable", {{"dir", *cfg.uploads.dir}, {"error", e.what()}});
    }
  }
  auto inputs = std::make_shared<files::local_inputs>(files::upload_roots(roots), copies);
  for (const auto& root : inputs->roots.unusable())
    log(log_level::warning, "upload_root_unusable", {{"root", root}});
  return inputs;
}

} // namespace weshopd
