#pragma once
// The jobs waiting for their next poll, ordered by when it is due: a min-heap
// with lazy removal, so scheduling, rescheduling and taking the due ones cost
// O(log n) and idle jobs cost nothing. Not thread-safe (the engine's thread).

#include "common/time.hpp"

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace weshopd::engine {

class poll_queue {
public:
  // Schedules (or reschedules) a job; the latest call wins.
  void schedule(const std::string& id, timestamp due);
  void remove(const std::string& id);
  std::size_t size() const { return live_.size(); }

  // When the earliest live job is due.
  std::optional<timestamp> next_due();
  // Up to `max` jobs due at `now`, earliest first; they leave the queue.
  std::vector<std::string> take_due(timestamp now, std::size_t max);

private:
  struct entry {
    timestamp due;
    std::uint64_t generation;
    std::string id;
    bool operator>(const entry& o) const { return due != o.due ? due > o.due : generation > o.generation; }
  };
  void drop_stale();

  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
  std::unordered_map<std::string, std::uint64_t> live_; // id -> generation of its live entry
  std::uint64_t generation_ = 0;
};

} // namespace weshopd::engine
