#include "engine/poll_queue.hpp"

namespace weshopd::engine {

void poll_queue::schedule(const std::string& id, timestamp due)
{
  const auto g = ++generation_;
  live_[id] = g;
  heap_.push({due, g, id});
}

void poll_queue::remove(const std::string& id)
{
  live_.erase(id);
}

void poll_queue::drop_stale()
{
  while (!heap_.empty()) {
    const auto& top = heap_.top();
    const auto it = live_.find(top.id);
    if (it != live_.end() && it->second == top.generation)
      return;
    heap_.pop();
  }
}

std::optional<timestamp> poll_queue::next_due()
{
  drop_stale();
  if (heap_.empty())
    return std::nullopt;
  return heap_.top().due;
}

std::vector<std::string> poll_queue::take_due(timestamp now, std::size_t max)
{
  std::vector<std::string> out;
  while (out.size() < max) {
    drop_stale();
    if (heap_.empty() || heap_.top().due > now)
      break;
    out.push_back(heap_.top().id);
    live_.erase(heap_.top().id);
    heap_.pop();
  }
  return out;
}

} // namespace weshopd::engine
