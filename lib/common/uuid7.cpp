#include "common/uuid7.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace weshopd {

std::string uuid7_generator::next(timestamp now)
{
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");

  std::int64_t ms = 0;
  std::uint32_t counter = 0;
  {
    std::lock_guard lock(mutex_);
    ms = to_unix_ms(now);
    if (ms <= last_ms_) {
      // Same (or an earlier, after a clock step) millisecond: keep counting so
      // ids stay increasing; on overflow borrow the next millisecond.
      ms = last_ms_;
      if (++counter_ > 0xfff) {
        ++ms;
        counter_ = 0;
      }
    } else {
      counter_ = (static_cast<std::uint32_t>(b[6]) << 4 | b[7] >> 4) & 0x7ff; // start in the lower half
    }
    last_ms_ = ms;
    counter = counter_;
  }

  for (int i = 0; i < 6; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | (counter >> 8));
  b[7] = static_cast<unsigned char>(counter & 0xff);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));

  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 0xf];
  }
  return out;
}

bool looks_like_uuid(std::string_view text)
{
  if (text.size() != 36)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

} // namespace weshopd
