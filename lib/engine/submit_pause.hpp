#pragma once
// One pause of every submit toward WeShop when it answers with Retry-After,
// instead of each job sleeping on its own. Pure: time is a parameter, so
// tests run on a fake clock; not thread-safe (the engine's strand owns it).
//
// A refusal's Retry-After sets a deadline before which no submit leaves. The
// refusals of one burst (N submits out when the account filled) carry
// overlapping deadlines: they make one pause, extended only when one names a
// later deadline, never N pauses in a row. A Retry-After longer than
// `longest` (a garbled or hostile header) is cut to it; one already past
// starts nothing. Polls do not pause: they report runs that finish, which is
// what makes room.

#include "common/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace weshopd::engine {

class submit_pause {
public:
  explicit submit_pause(std::chrono::milliseconds longest = std::chrono::seconds(60)) : longest_(longest) {}

  enum class effect { none, started, extended };
  // A refusal at `now` said Retry-After `wait`.
  effect on_retry_after(timestamp now, std::chrono::milliseconds wait);

  bool paused(timestamp now) const { return until_ && now < *until_; }
  // When submits may go again; none when they may go now.
  std::optional<timestamp> until(timestamp now) const;

  std::uint64_t pauses() const { return pauses_; }         // distinct pauses begun
  std::uint64_t extensions() const { return extensions_; } // later deadlines within one

private:
  std::chrono::milliseconds longest_;
  std::optional<timestamp> until_;
  std::uint64_t pauses_ = 0;
  std::uint64_t extensions_ = 0;
};

} // namespace weshopd::engine
