#include "files/image_store.hpp"

#include "common/image_type.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace weshopd::files {

namespace {

bool is_copy_name(std::string_view name)
{
  return !name.starts_with('.') && !name.ends_with(".part");
}

// Writes `bytes` as `name` beneath `dir`: whole and durable, or not at all.
bool write_beneath(int dir, const std::string& name, std::string_view bytes)
{
  const auto partial = name + ".part";
  fd_handle fd(::openat(dir, partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd)
    return false;
  bool ok = true;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const auto n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd.get()) == 0;
  ok = ::close(fd.release()) == 0 && ok;
  ok = ok && ::renameat(dir, partial.c_str(), dir, name.c_str()) == 0;
  if (!ok) {
    ::unlinkat(dir, partial.c_str(), 0);
    return false;
  }
  return ::fsync(dir) == 0;
}

} // namespace

image_store::image_store(image_store_options options) : options_(std::move(options))
{
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  dir_ = fd_handle(::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_)
    throw std::runtime_error("uploads.dir " + options_.dir + " cannot be opened: " + std::strerror(errno));
  // What is there already counts against the quota; a write cut short by a crash is dropped.
  fd_handle listing(::fcntl(dir_.get(), F_DUPFD_CLOEXEC, 0));
  if (DIR* d = ::fdopendir(listing.get())) {
    listing.release();
    while (const auto* e = ::readdir(d)) {
      const std::string_view name(e->d_name);
      struct stat st {};
      if (name == "." || name == ".." || ::fstatat(dir_.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG(st.st_mode))
        continue;
      if (name.ends_with(".part"))
        ::unlinkat(dir_.get(), e->d_name, 0);
      else
        total_ += static_cast<std::uint64_t>(st.st_size);
    }
    ::closedir(d);
  }
}

std::string image_store::path_of(std::string_view sha256, std::string_view content_type) const
{
  return options_.dir + "/" + std::string(sha256) + std::string(image_extension(content_type));
}

put_outcome image_store::put(const image_file& image)
{
  sweep();
  const auto name = image.sha256 + std::string(image_extension(image.content_type));
  std::lock_guard lock(mutex_);
  struct stat st {};
  std::uint64_t replaced = 0; // a damaged copy of that name (its size differs) is written again
  if (::fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<std::size_t>(st.st_size) == image.bytes.size()) {
      ::utimensat(dir_.get(), name.c_str(), nullptr, AT_SYMLINK_NOFOLLOW); // in use again: the sweep spares it
      return put_outcome::stored;
    }
    replaced = std::min<std::uint64_t>(total_, static_cast<std::uint64_t>(st.st_size));
  }
  if (total_ - replaced + image.bytes.size() > options_.max_total_bytes)
    return put_outcome::over_quota;
  if (!write_beneath(dir_.get(), name, image.bytes))
    return put_outcome::failed;
  total_ = total_ - replaced + image.bytes.size();
  return put_outcome::stored;
}

std::optional<image_file> image_store::read(std::string_view sha256, std::uint64_t max_size) const
{
  for (auto type : image_types) {
    auto file = open_beneath(dir_.get(), std::string(sha256) + std::string(image_extension(type)), O_RDONLY);
    if (!file.fd)
      continue;
    auto got = read_image(file.fd.get(), max_size);
    if (got && got.image->sha256 == sha256)
      return std::move(got.image);
  }
  return std::nullopt;
}

void image_store::sweep(bool force)
{
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_sweep_ < std::chrono::minutes(1))
    return;
  last_sweep_ = now;
  const auto cutoff = ::time(nullptr) - static_cast<time_t>(options_.keep.count());
  fd_handle listing(::fcntl(dir_.get(), F_DUPFD_CLOEXEC, 0));
  DIR* d = ::fdopendir(listing.get());
  if (!d)
    return;
  listing.release();
  ::rewinddir(d);
  while (const auto* e = ::readdir(d)) {
    struct stat st {};
    if (!is_copy_name(e->d_name) || ::fstatat(dir_.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || st.st_mtime >= cutoff)
      continue;
    if (::unlinkat(dir_.get(), e->d_name, 0) == 0)
      total_ -= std::min<std::uint64_t>(total_, static_cast<std::uint64_t>(st.st_size));
  }
  ::closedir(d);
}

std::uint64_t image_store::total_bytes() const
{
  std::lock_guard lock(mutex_);
  return total_;
}

} // namespace weshopd::files
