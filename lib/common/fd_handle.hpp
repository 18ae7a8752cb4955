#pragma once
// An owned file descriptor (-1: none): closed once, by its last owner.

#include <unistd.h>

#include <utility>

namespace weshopd {

class fd_handle {
public:
  fd_handle() = default;
  explicit fd_handle(int fd) : fd_(fd) {}
  fd_handle(fd_handle&& o) noexcept : fd_(o.release()) {}
  fd_handle& operator=(fd_handle&& o) noexcept
  {
    if (this != &o) {
      if (fd_ >= 0)
        ::close(fd_);
      fd_ = o.release();
    }
    return *this;
  }
  fd_handle(const fd_handle&) = delete;
  fd_handle& operator=(const fd_handle&) = delete;
  ~fd_handle()
  {
    if (fd_ >= 0)
      ::close(fd_);
  }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }

private:
  int fd_ = -1;
};

} // namespace weshopd
