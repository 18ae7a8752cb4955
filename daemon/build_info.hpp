#pragma once
// What this binary was built from: the project's version (CMake's
// project(... VERSION ...)) and the git commit of the source tree (short hash;
// "unknown" when built outside a git tree). Both are defined in one generated
// source (daemon/build_info.cmake), rewritten only when the commit changes, so
// a new commit recompiles that file alone. `--version` and GET /healthz show them.

#include <string>
#include <string_view>

namespace weshopd::build {

std::string_view version(); // "0.1.0"
std::string_view commit();  // "3a654c5", or "unknown"

// The --version line: "weshopd 0.1.0 (commit 3a654c5)".
inline std::string version_line(std::string_view program)
{
  return std::string(program) + " " + std::string(version()) + " (commit " + std::string(commit()) + ")";
}

} // namespace weshopd::build
