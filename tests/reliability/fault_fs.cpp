// An LD_PRELOAD shim that makes the disk fail on command, for storage fault
// tests: writes and syncs to files under FAULT_FS_DIR fail with the errno
// last written to the control file FAULT_FS_CONTROL ("0" healthy, "28"
// ENOSPC, "5" EIO, "30" EROFS), re-read at most every 20 ms. Everything
// else passes through untouched.

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

template <class F>
F real(const char* name)
{
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

int current_errno()
{
  static int cached = 0;
  static timespec checked{0, 0};
  const char* control = std::getenv("FAULT_FS_CONTROL");
  if (!control)
    return 0;
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  if ((now.tv_sec - checked.tv_sec) * 1000 + (now.tv_nsec - checked.tv_nsec) / 1000000 >= 20) {
    checked = now;
    static const auto real_read = real<ssize_t (*)(int, void*, size_t)>("read");
    const int fd = ::open(control, O_RDONLY);
    if (fd >= 0) {
      char buf[16] = {};
      if (real_read(fd, buf, sizeof buf - 1) > 0)
        cached = std::atoi(buf);
      ::close(fd);
    }
  }
  return cached;
}

// The errno to fail with for this descriptor, or 0.
int fault_for(int fd)
{
  const int e = current_errno();
  const char* dir = std::getenv("FAULT_FS_DIR");
  if (!e || !dir)
    return 0;
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0)
    return 0;
  path[n] = 0;
  return std::strncmp(path, dir, std::strlen(dir)) == 0 ? e : 0;
}

template <class R, class... Args>
R pass(const char* name, int fd, Args... args)
{
  static_assert(sizeof...(Args) <= 3);
  using fn = R (*)(int, Args...);
  const auto next = real<fn>(name);
  if (const int e = fault_for(fd)) {
    errno = e;
    return -1;
  }
  return next(fd, args...);
}

} // namespace

extern "C" {
ssize_t write(int fd, const void* buf, size_t count) { return pass<ssize_t>("write", fd, buf, count); }
ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) { return pass<ssize_t>("pwrite", fd, buf, count, offset); }
ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset)
{
  return pass<ssize_t>("pwrite64", fd, buf, count, offset);
}
int fsync(int fd) { return pass<int>("fsync", fd); }
int fdatasync(int fd) { return pass<int>("fdatasync", fd); }
}
