#include "files/image_file.hpp"

#include "common/image_type.hpp"
#include "common/sha256.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace weshopd::files {

namespace {

std::string_view kind_of(mode_t mode)
{
  if (S_ISDIR(mode))
    return "a folder";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a regular file";
}

std::string too_large(std::uint64_t max_size)
{
  return "is larger than " + std::to_string(max_size) + " bytes";
}

} // namespace

image_read image_of(std::string bytes, std::uint64_t max_size)
{
  if (bytes.empty())
    return {std::nullopt, "is empty"};
  if (bytes.size() > max_size)
    return {std::nullopt, too_large(max_size)};
  const auto type = sniff_image_type(bytes);
  if (!type)
    return {std::nullopt, "is not a PNG, JPEG or WebP image"};
  auto sha = sha256_hex(bytes);
  return {image_file{std::move(bytes), std::string(*type), std::move(sha)}, {}};
}

image_read read_image(int fd, std::uint64_t max_size)
{
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return {std::nullopt, "cannot be read"};
  if (!S_ISREG(st.st_mode))
    return {std::nullopt, "is " + std::string(kind_of(st.st_mode)) + ", not a regular file"};
  if (static_cast<std::uint64_t>(st.st_size) > max_size)
    return {std::nullopt, too_large(max_size)};
  // Read to the end, but never past the limit: the file may grow meanwhile.
  std::string bytes(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t have = 0;
  for (;;) {
    if (have == bytes.size()) {
      if (bytes.size() > max_size)
        return {std::nullopt, too_large(max_size)};
      bytes.resize(std::min<std::uint64_t>(bytes.size() * 2, max_size + 1));
    }
    const auto n = ::pread(fd, bytes.data() + have, bytes.size() - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return {std::nullopt, "cannot be read"};
    if (n == 0)
      break;
    have += static_cast<std::size_t>(n);
  }
  bytes.resize(have);
  return image_of(std::move(bytes), max_size);
}

} // namespace weshopd::files
