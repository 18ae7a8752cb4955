#pragma once
// Whether a directory the configuration names can be used, checked at start
// (and by --check-config) so that weshopd fails before it opens a socket, with
// a message an operator can act on. Under systemd the usual cause for a path
// under /home, /root or /run/user is the unit's sandbox (ProtectHome=), so the
// message then names that setting.

#include <string>

namespace weshopd::config {

// "" when `path` opens as a directory (O_PATH: search permission suffices);
// else "<path> cannot be opened as a directory (<reason>)" and the hint.
std::string unopenable_directory(const std::string& path);

// "" when `path` is a directory this process may write, or one it may create
// (its nearest existing parent is); else why not, and the hint.
std::string unwritable_directory(const std::string& path);

// True for /home, /root, /run/user and anything below them: what ProtectHome= covers.
bool under_protected_home(const std::string& path);

// What to check in the unit when `path` failed with `error` (an errno value);
// "" for paths ProtectHome= does not cover.
std::string protect_home_hint(const std::string& path, int error);

} // namespace weshopd::config
