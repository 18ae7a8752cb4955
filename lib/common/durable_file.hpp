#pragma once
// Files that are either absent or whole and on disk, whatever crash comes:
// written under a temporary name, fsynced, renamed, and the folder fsynced.

#include <filesystem>
#include <string_view>

namespace weshopd {

bool write_durably(const std::filesystem::path& path, std::string_view bytes);

} // namespace weshopd
