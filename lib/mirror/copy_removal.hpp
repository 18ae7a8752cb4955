#pragma once
// Deleting a mirrored copy (retention, both the mirror's own and the jobs'):
// the path is a name beneath the mirror's root, resolved from a handle of
// that root and never followed out of it. A copy lives at <root>/<job>/<n>.<ext>.

#include <filesystem>

namespace weshopd::mirror {

// `file` as a name below `root` ("job/0.png"), or empty when it is not one.
std::filesystem::path name_below(const std::filesystem::path& root, const std::filesystem::path& file);

// Removes `file` (and its job's folder once empty, never the root itself).
// False, touching nothing, when `file` is not below `root` by name, or its
// folder is a symbolic link or leads out of the root; false too when it is
// already gone.
bool remove_copy(const std::filesystem::path& root, const std::filesystem::path& file);

} // namespace weshopd::mirror
