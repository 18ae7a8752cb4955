#include "config/directory_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace weshopd::config {
namespace {

namespace fs = std::filesystem;

std::string protected_prefix(const std::string& path)
{
  const auto normal = fs::path(path).lexically_normal().string();
  for (const std::string prefix : {"/home", "/root", "/run/user"})
    if (normal == prefix || normal.starts_with(prefix + "/"))
      return prefix;
  return {};
}

std::string failure(const std::string& path, const std::string& what, int error)
{
  auto text = path + " " + what + " (" + std::strerror(error) + ")";
  if (auto hint = protect_home_hint(path, error); !hint.empty())
    text += "; " + hint;
  return text;
}

} // namespace

bool under_protected_home(const std::string& path)
{
  return !protected_prefix(path).empty();
}

std::string protect_home_hint(const std::string& path, int error)
{
  const auto prefix = protected_prefix(path);
  if (prefix.empty())
    return {};
  const std::string in_force = "`systemctl cat weshopd` shows what is in force";
  switch (error) {
  case EROFS:
    return "under systemd, ProtectHome=read-only makes " + prefix +
           " read-only for weshopd: add this directory to ReadWritePaths= (systemctl edit weshopd), "
           "or keep it under the state directory";
  case ENOENT:
    return "if it exists, systemd's ProtectHome=tmpfs (or yes) may hide " + prefix +
           " from weshopd: the shipped unit has ProtectHome=read-only; " + in_force;
  case EACCES:
  case EPERM:
    return "under systemd, ProtectHome=yes makes " + prefix +
           " inaccessible to weshopd (the shipped unit has ProtectHome=read-only; " + in_force +
           "), and weshopd's dynamic user needs search permission on every parent directory (e.g. chmod o+x " +
           fs::path(path).lexically_normal().parent_path().string() + ")";
  default: // ENOTDIR and the like: the path itself is wrong, not the sandbox
    return {};
  }
}

std::string unopenable_directory(const std::string& path)
{
  const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return failure(path, "cannot be opened as a directory", errno);
  ::close(fd);
  return {};
}

std::string unwritable_directory(const std::string& path)
{
  // The directory itself, or the parent it would be created in.
  fs::path at = fs::path(path).lexically_normal();
  struct stat st {};
  while (::stat(at.c_str(), &st) != 0) {
    if (errno != ENOENT || at == at.root_path())
      return failure(path, "cannot be used as a directory", errno);
    at = at.parent_path();
  }
  if (!S_ISDIR(st.st_mode))
    return failure(path, "cannot be used as a directory", ENOTDIR);
  if (::faccessat(AT_FDCWD, at.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
    return failure(path, at == fs::path(path).lexically_normal() ? "cannot be written" : "cannot be created",
                   errno);
  return {};
}

} // namespace weshopd::config
