#pragma once
// Time-ordered job ids: UUIDv7 (RFC 9562) in lowercase canonical text.
// Ids from one generator are strictly increasing, also within one millisecond
// (12-bit counter in rand_a, "method 1"), so their text sorts in creation order.
// Thread-safe.

#include "common/time.hpp"

#include <cstdint>
#include <mutex>
#include <string>

namespace weshopd {

class uuid7_generator {
public:
  std::string next(timestamp now = now_ms());

private:
  std::mutex mutex_;
  std::int64_t last_ms_ = 0;
  std::uint32_t counter_ = 0;
};

// True when `text` has the shape of a UUID (8-4-4-4-12 lowercase hex).
bool looks_like_uuid(std::string_view text);

} // namespace weshopd
