#pragma once
// A setting that a reload may replace while the daemon runs (SIGHUP): one
// immutable snapshot behind a mutex. Readers load() the snapshot once per
// request and use it to the end, so a request never sees half of an old and
// half of a new configuration; store() swaps in the next one. A snapshot is
// freed when its last reader drops it. Thread-safe.

#include <memory>
#include <mutex>
#include <utility>

namespace weshopd::common {

template <class T>
class live {
public:
  explicit live(T first) : current_(std::make_shared<const T>(std::move(first))) {}
  explicit live(std::shared_ptr<const T> first) : current_(std::move(first)) {}

  std::shared_ptr<const T> load() const
  {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void store(std::shared_ptr<const T> next)
  {
    {
      std::lock_guard lock(mutex_);
      current_.swap(next);
    }
    // `next` now holds the old snapshot: released here, outside the lock.
  }
  void store(T next) { store(std::make_shared<const T>(std::move(next))); }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
};

} // namespace weshopd::common
