#pragma once
// Opening a name beneath a directory handle, never leaving it: the one way
// weshopd opens a file that somebody else may control (uploads.roots).
//
// Promises: the name is resolved relative to `dir` and may not climb out of
// it (no "..", no absolute symlink, no symlink leading outside, no /proc
// magic link); the last component is never followed if it is a symlink; the
// open never blocks (O_NONBLOCK: a FIFO opens at once and is refused by the
// caller's fstat); the descriptor is close-on-exec. Uses openat2(2) with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, and walks the name one component
// at a time with O_NOFOLLOW where openat2 is missing or filtered (seccomp).

#include "common/fd_handle.hpp"

#include <string_view>

namespace weshopd::files {

using weshopd::fd_handle; // common/fd_handle.hpp

struct opened {
  fd_handle fd;
  int error = 0; // errno when !fd: ENOENT, ELOOP (a symlink), EXDEV (would leave `dir`), EACCES ...
};

// `relative` must be relative ("a/b.png"); `flags` are the access flags
// (O_RDONLY, or O_PATH | O_DIRECTORY for a folder).
opened open_beneath(int dir, std::string_view relative, int flags);

// The fallback alone (tests reach it directly): component by component,
// each with O_NOFOLLOW; ".." is refused outright.
opened open_beneath_walk(int dir, std::string_view relative, int flags);

// A directory handle to resolve names beneath (O_PATH | O_DIRECTORY).
opened open_directory(const char* absolute_path);

// What an open's errno means for a person.
std::string_view open_problem(int error);

} // namespace weshopd::files
