#include "common/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace weshopd {

namespace fs = std::filesystem;

bool write_durably(const fs::path& path, std::string_view bytes)
{
  auto partial = path;
  partial += ".part";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  bool ok = true;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  if (ok)
    fs::rename(partial, path, ec);
  if (!ok || ec) {
    fs::remove(partial, ec);
    return false;
  }
  if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

} // namespace weshopd
