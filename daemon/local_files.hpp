#pragma once
// Local input images: the roots jobs may name files in (uploads.roots), and
// uploads.dir (weshopd's copies, a root too: the dashboard's uploads are
// named there). Without a usable uploads.dir local files are refused; an
// unusable directory is a warning (uploads_dir_unusable, upload_root_unusable),
// not a failure: the checks that must stop the start ran in config.

#include "config/config.hpp"
#include "files/local_inputs.hpp"

#include <memory>

namespace weshopd {

std::shared_ptr<files::local_inputs> open_local_files(const config::settings& cfg);

} // namespace weshopd
