#include "mirror/batch_archive.hpp"

#include "mirror/zip_sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>

namespace weshopd::mirror {

namespace {

namespace sys = boost::system;

constexpr zip_uint32_t unix_file_mode = S_IFREG | 0644;

detailed_error system_failure(int error, std::string detail)
{
  return {sys::error_code(error, sys::generic_category()), std::move(detail)};
}

detailed_error libzip_failure(zip_error_t* error, std::string_view what)
{
  return {sys::errc::make_error_code(sys::errc::io_error), std::string(what) + ": " + zip_error_strerror(error)};
}

// A file nobody can open by name: gone when its last descriptor closes.
fd_handle unnamed_file(const std::string& dir, int& error)
{
  fd_handle fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  error = errno;
  if (fd || (error != EOPNOTSUPP && error != EISDIR && error != EINVAL))
    return fd;
  // A filesystem without O_TMPFILE: the file has a name for an instant.
  std::string name = dir + "/.weshopd-archive-XXXXXX";
  fd = fd_handle(::mkostemp(name.data(), O_CLOEXEC));
  error = errno;
  if (fd)
    ::unlink(name.c_str());
  return fd;
}

// An entry whose copy was there when the archive was planned.
struct planned {
  std::size_t index = 0; // in the caller's entries
  std::uint64_t size = 0;
  std::time_t mtime = 0;
};

std::vector<planned> plan(int root, const std::vector<archive_entry>& entries, std::vector<std::size_t>& skipped)
{
  std::vector<planned> copies;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    struct stat st {};
    int error = 0;
    if (open_copy(root, entries[i].path, st, error)) // closed again: one copy open at a time
      copies.push_back({i, static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec});
    else
      skipped.push_back(i);
  }
  return copies;
}

struct zip_discarder {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using zip_handle = std::unique_ptr<zip_t, zip_discarder>;

// How one attempt ended: written, failed, or a copy (its place in the plan) vanished since it was planned.
struct attempt {
  std::optional<detailed_error> failure{};
  std::optional<std::size_t> gone{};
};

std::optional<detailed_error> add_entries(zip_t* archive, int root, const std::vector<archive_entry>& entries,
                                          const std::vector<planned>& copies, const std::function<bool()>& stopping,
                                          std::vector<std::unique_ptr<zip_copy>>& states)
{
  for (const auto& p : copies) {
    auto& c = *states.emplace_back(std::make_unique<zip_copy>());
    c.root = root;
    c.path = entries[p.index].path;
    c.size = p.size;
    c.mtime = p.mtime;
    c.stopping = &stopping;
    auto* source = make_copy_source(archive, c);
    if (!source)
      return libzip_failure(zip_get_error(archive), "cannot make a source");
    const auto at = zip_file_add(archive, entries[p.index].name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (at < 0) {
      zip_source_free(source);
      if (zip_error_code_zip(zip_get_error(archive)) == ZIP_ER_EXISTS)
        return system_failure(EINVAL, "the name " + entries[p.index].name + " is given twice");
      return libzip_failure(zip_get_error(archive), "cannot add " + entries[p.index].name);
    }
    // Stored as they are; unpacked as rw-r--r-- (libzip's default is rw-rw-rw-).
    const auto index = static_cast<zip_uint64_t>(at);
    if (zip_set_file_compression(archive, index, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, unix_file_mode << 16) != 0)
      return libzip_failure(zip_get_error(archive), "cannot store " + entries[p.index].name);
  }
  return std::nullopt;
}

attempt write_once(int fd, int root, const std::vector<archive_entry>& entries, const std::vector<planned>& copies,
                   const std::function<bool()>& stopping)
{
  zip_target target;
  target.fd = fd;
  std::vector<std::unique_ptr<zip_copy>> states; // the callbacks' states outlive the archive
  zip_error_holder error;
  auto* source = make_target_source(target, &error.error);
  if (!source)
    return {libzip_failure(&error.error, "cannot start the archive")};
  zip_handle archive(zip_open_from_source(source, ZIP_CREATE | ZIP_TRUNCATE, &error.error));
  if (!archive) {
    zip_source_free(source);
    return {libzip_failure(&error.error, "cannot start the archive")};
  }
  if (auto failed = add_entries(archive.get(), root, entries, copies, stopping, states))
    return {std::move(failed)};
  if (zip_close(archive.get()) == 0) {
    archive.release(); // zip_close freed it
    return {};
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i]->stopped)
      return {detailed_error{errc::shutting_down, "the archive was cut short"}};
    if (states[i]->open_error != 0)
      return {std::nullopt, i};
  }
  if (target.system_error != 0)
    return {system_failure(target.system_error, "cannot write the archive")};
  return {libzip_failure(zip_get_error(archive.get()), "cannot write the archive")};
}

// libzip writes no archive without entries (zip_close removes it); an empty
// ZIP is its end-of-central-directory record alone: "PK\5\6" and 18 zeros.
bool write_empty(int fd)
{
  constexpr char empty_zip[22] = {'P', 'K', 5, 6};
  return ::ftruncate(fd, 0) == 0 && ::pwrite(fd, empty_zip, sizeof empty_zip, 0) == sizeof empty_zip;
}

} // namespace

detailed_result<archive_file> write_archive(int root, const std::vector<archive_entry>& entries,
                                            const std::string& temp_dir, const std::function<bool()>& stopping)
{
  archive_file out;
  int error = 0;
  out.fd = unnamed_file(temp_dir, error);
  if (!out.fd)
    return system_failure(error, "cannot make a temporary file in " + temp_dir);
  std::vector<std::size_t> skipped;
  auto copies = plan(root, entries, skipped);
  for (;;) {
    if (stopping && stopping())
      return detailed_error{errc::shutting_down, "the archive was cut short"};
    if (copies.empty()) {
      if (!write_empty(out.fd.get()))
        return system_failure(errno, "cannot write the archive");
      break;
    }
    auto done = write_once(out.fd.get(), root, entries, copies, stopping);
    if (done.failure)
      return std::move(*done.failure);
    if (!done.gone)
      break;
    // Expired while it was being written: left out, and the archive written again without it.
    skipped.push_back(copies[*done.gone].index);
    copies.erase(copies.begin() + static_cast<std::ptrdiff_t>(*done.gone));
  }
  std::sort(skipped.begin(), skipped.end());
  for (const auto i : skipped)
    out.skipped.push_back(entries[i].name);
  struct stat st {};
  if (::fstat(out.fd.get(), &st) != 0 || ::lseek(out.fd.get(), 0, SEEK_SET) != 0)
    return system_failure(errno, "cannot read the archive back");
  out.size = static_cast<std::uint64_t>(st.st_size);
  return out;
}

} // namespace weshopd::mirror
