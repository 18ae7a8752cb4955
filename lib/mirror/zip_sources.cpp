#include "mirror/zip_sources.hpp"

#include "files/open_beneath.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace weshopd::mirror {

namespace {

zip_int64_t fail(zip_error_holder& h, int zip_code, int system_code)
{
  zip_error_set(&h.error, zip_code, system_code);
  return -1;
}

zip_int64_t write_at(zip_target& t, const void* data, zip_uint64_t len)
{
  const auto* bytes = static_cast<const char*>(data);
  for (zip_uint64_t done = 0; done < len;) {
    const auto n = ::pwrite(t.fd, bytes + done, len - done, static_cast<off_t>(t.pos + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      t.system_error = n < 0 ? errno : EIO;
      return fail(t.failure, ZIP_ER_WRITE, t.system_error);
    }
    done += static_cast<zip_uint64_t>(n);
  }
  t.pos += len;
  t.end = std::max(t.end, t.pos);
  return static_cast<zip_int64_t>(len);
}

zip_int64_t truncate(zip_target& t)
{
  t.pos = t.end = 0;
  return ::ftruncate(t.fd, 0) == 0 ? 0 : fail(t.failure, ZIP_ER_WRITE, errno);
}

zip_int64_t target_callback(void* state, void* data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  auto& t = *static_cast<zip_target*>(state);
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_SEEK,
                                          ZIP_SOURCE_TELL, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                          ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_WRITE, ZIP_SOURCE_COMMIT_WRITE,
                                          ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE,
                                          ZIP_SOURCE_REMOVE, ZIP_SOURCE_SUPPORTS, -1);
  case ZIP_SOURCE_STAT: return fail(t.failure, ZIP_ER_READ, ENOENT); // always a new archive
  case ZIP_SOURCE_BEGIN_WRITE:
  case ZIP_SOURCE_ROLLBACK_WRITE:
  case ZIP_SOURCE_REMOVE: return truncate(t);
  case ZIP_SOURCE_WRITE: return write_at(t, data, len);
  case ZIP_SOURCE_SEEK_WRITE: { // (the helper checks the arguments' size)
    const auto at = zip_source_seek_compute_offset(t.pos, t.end, data, len, &t.failure.error);
    if (at < 0)
      return -1;
    t.pos = static_cast<std::uint64_t>(at);
    return 0;
  }
  case ZIP_SOURCE_TELL_WRITE: return static_cast<zip_int64_t>(t.pos);
  case ZIP_SOURCE_COMMIT_WRITE:
  case ZIP_SOURCE_FREE: return 0;
  case ZIP_SOURCE_ERROR: return zip_error_to_data(&t.failure.error, data, len);
  default: return fail(t.failure, ZIP_ER_OPNOTSUPP, 0); // reading back: never, the archive is new
  }
}

zip_int64_t read_copy(zip_copy& c, void* data, zip_uint64_t len)
{
  if (c.stopping && *c.stopping && (*c.stopping)()) {
    c.stopped = true;
    return fail(c.failure, ZIP_ER_CANCELLED, 0);
  }
  for (;;) {
    const auto n = ::read(c.fd.get(), data, len);
    if (n >= 0)
      return n;
    if (errno != EINTR)
      return fail(c.failure, ZIP_ER_READ, errno);
  }
}

zip_int64_t copy_callback(void* state, void* data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  auto& c = *static_cast<zip_copy*>(state);
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                          ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SUPPORTS, -1);
  case ZIP_SOURCE_STAT: {
    if (len < sizeof(zip_stat_t))
      return fail(c.failure, ZIP_ER_INVAL, 0);
    auto* st = static_cast<zip_stat_t*>(data);
    zip_stat_init(st);
    st->size = c.size; // known, so a small copy needs no ZIP64 header
    st->mtime = c.mtime;
    st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
    return sizeof(zip_stat_t);
  }
  case ZIP_SOURCE_OPEN: {
    struct stat st {};
    c.fd = open_copy(c.root, c.path, st, c.open_error);
    return c.fd ? 0 : fail(c.failure, ZIP_ER_OPEN, c.open_error);
  }
  case ZIP_SOURCE_READ: return read_copy(c, data, len);
  case ZIP_SOURCE_CLOSE: c.fd = fd_handle(); return 0;
  case ZIP_SOURCE_FREE: return 0;
  case ZIP_SOURCE_ERROR: return zip_error_to_data(&c.failure.error, data, len);
  default: return fail(c.failure, ZIP_ER_OPNOTSUPP, 0);
  }
}

} // namespace

zip_source_t* make_target_source(zip_target& target, zip_error_t* error)
{
  return zip_source_function_create(target_callback, &target, error);
}

zip_source_t* make_copy_source(zip_t* archive, zip_copy& copy)
{
  return zip_source_function(archive, copy_callback, &copy);
}

fd_handle open_copy(int root, const std::string& path, struct stat& st, int& error)
{
  auto opened = files::open_beneath(root, path, O_RDONLY);
  error = opened.error;
  if (!opened.fd)
    return {};
  if (::fstat(opened.fd.get(), &st) != 0) {
    error = errno;
    return {};
  }
  if (!S_ISREG(st.st_mode)) {
    error = ENXIO; // a FIFO, a device, a folder: never read
    return {};
  }
  return std::move(opened.fd);
}

} // namespace weshopd::mirror
