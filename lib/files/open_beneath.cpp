#include "files/open_beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace weshopd::files {

namespace {

// Never block on a FIFO or device, never become its controlling terminal, never leak into a child.
constexpr int always = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

// openat2 refuses (EINVAL) any flag beyond these with O_PATH.
int with_always(int flags)
{
  return (flags & O_PATH) ? flags | O_NOFOLLOW | O_CLOEXEC : flags | always;
}

opened from(int fd)
{
  return fd >= 0 ? opened{fd_handle(fd), 0} : opened{fd_handle(), errno};
}

} // namespace

opened open_beneath_walk(int dir, std::string_view relative, int flags)
{
  if (relative.empty() || relative.front() == '/')
    return {fd_handle(), EXDEV};
  fd_handle current(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
  if (!current)
    return {fd_handle(), errno};
  std::size_t start = 0;
  for (;;) {
    const auto slash = relative.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string part(relative.substr(start, last ? std::string_view::npos : slash - start));
    start = last ? relative.size() : slash + 1;
    if (part == "..")
      return {fd_handle(), EXDEV};
    if (part.empty() || part == ".") {
      if (!last)
        continue;
      return {fd_handle(), EISDIR}; // "a/" or "a/.": a folder, never an input
    }
    if (last)
      return from(::openat(current.get(), part.c_str(), with_always(flags)));
    auto next = from(::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.fd)
      return next;
    current = std::move(next.fd);
  }
}

opened open_beneath(int dir, std::string_view relative, int flags)
{
  if (relative.empty() || relative.front() == '/')
    return {fd_handle(), EXDEV};
  open_how how{};
  how.flags = static_cast<std::uint64_t>(with_always(flags));
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const std::string name(relative);
  const auto fd = static_cast<int>(::syscall(SYS_openat2, dir, name.c_str(), &how, sizeof how));
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) // an old kernel, or a seccomp filter without openat2
    return open_beneath_walk(dir, relative, flags);
  return from(fd);
}

opened open_directory(const char* absolute_path)
{
  return from(::open(absolute_path, O_PATH | O_DIRECTORY | O_CLOEXEC));
}

std::string_view open_problem(int error)
{
  switch (error) {
  case ENOENT: return "no such file";
  case ELOOP: return "is a symbolic link (links are not followed)";
  case EXDEV: return "leads outside its uploads.roots folder";
  case EACCES:
  case EPERM: return "cannot be read (permission denied)";
  case ENOTDIR: return "no such file (a part of the path is not a folder)";
  case EISDIR: return "is a folder, not a file";
  case ENXIO: return "is not a regular file";
  case ENAMETOOLONG: return "has a name that is too long";
  default: return "cannot be opened";
  }
}

} // namespace weshopd::files
