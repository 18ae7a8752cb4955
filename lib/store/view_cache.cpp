#include "store/view_cache.hpp"

namespace weshopd::store {

std::uint64_t view_cache::epoch() const
{
  std::lock_guard lock(mutex_);
  return epoch_;
}

std::optional<std::string> view_cache::get(std::string_view id) const
{
  std::lock_guard lock(mutex_);
  if (const auto it = views_.find(id); it != views_.end())
    return it->second;
  return std::nullopt;
}

void view_cache::put(std::string_view id, std::string view, std::uint64_t read_epoch)
{
  const auto bytes = cost(id, view);
  if (bytes > max_bytes_)
    return;
  std::lock_guard lock(mutex_);
  if (read_epoch != epoch_)
    return;
  // Past the budget, arbitrary views make room: a miss only costs one read.
  while (bytes_ + bytes > max_bytes_ && !views_.empty()) {
    const auto victim = views_.begin();
    bytes_ -= cost(victim->first, victim->second);
    views_.erase(victim);
  }
  const auto [it, inserted] = views_.try_emplace(std::string(id), std::move(view));
  if (inserted)
    bytes_ += bytes;
}

void view_cache::invalidate(std::string_view id)
{
  std::lock_guard lock(mutex_);
  ++epoch_;
  if (const auto it = views_.find(id); it != views_.end()) {
    bytes_ -= cost(it->first, it->second);
    views_.erase(it);
  }
}

std::size_t view_cache::size() const
{
  std::lock_guard lock(mutex_);
  return views_.size();
}

} // namespace weshopd::store
