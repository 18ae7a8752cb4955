#pragma once
// The cap on responses that hold a connection open waiting (limits.max_streams):
// event streams and `?wait` long-polls. Past it they are refused with 503 and
// Retry-After, so waiting clients can never take every connection and plain
// requests always find room (the server's own cap, limits.max_connections,
// is higher, and idle connections make room under it).
//
// Thread-safety: try_take() and the slots' release may run on any thread.

#include "http/message.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace weshopd::api {

class stream_slots {
public:
  explicit stream_slots(std::size_t max);

  // A slot, held until the last copy of the pointer is dropped (put it in
  // http::outgoing::hold for a stream); null when all are taken.
  std::shared_ptr<void> try_take();
  std::size_t in_use() const;

  // The answer for a client that found no slot.
  static http::outgoing refusal();

private:
  struct counter {
    std::atomic<std::size_t> used{0};
    std::size_t max = 0;
  };
  std::shared_ptr<counter> counter_ = std::make_shared<counter>();
};

} // namespace weshopd::api
