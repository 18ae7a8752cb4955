#pragma once
// Wall-clock instants as stored and shown: milliseconds since the Unix epoch,
// rendered as RFC 3339 UTC ("2026-11-24T10:00:00.123Z").

#include <chrono>
#include <cstdint>
#include <string>

namespace weshopd {

using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

inline timestamp now_ms()
{
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

inline std::int64_t to_unix_ms(timestamp t) { return t.time_since_epoch().count(); }
inline timestamp from_unix_ms(std::int64_t ms) { return timestamp{std::chrono::milliseconds{ms}}; }

std::string to_rfc3339(timestamp t);

} // namespace weshopd
