#include "common/base64.hpp"

#include <array>

namespace weshopd {
namespace {

constexpr std::array<signed char, 256> make_table()
{
  std::array<signed char, 256> t{};
  t.fill(-1);
  constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
  return t;
}

constexpr auto table = make_table();

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad)
{
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  unsigned int buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += alphabet[(buffer << (6 - bits)) & 0x3f];
  while (pad && out.size() % 4)
    out += '=';
  return out;
}

} // namespace

std::string base64_encode(std::string_view bytes)
{
  return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

std::string base64url_encode(std::string_view bytes)
{
  return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

std::optional<std::string> base64_decode(std::string_view text)
{
  if (text.empty() || text.size() % 4 != 0)
    return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=')
    padding = text[text.size() - 2] == '=' ? 2 : 1;

  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    unsigned int quad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      const bool pad_slot = last && j >= 4 - padding;
      if (pad_slot) {
        if (c != '=')
          return std::nullopt;
        quad <<= 6;
        continue;
      }
      const int v = table[static_cast<unsigned char>(c)];
      if (v < 0)
        return std::nullopt;
      quad = (quad << 6) | static_cast<unsigned int>(v);
    }
    out += static_cast<char>((quad >> 16) & 0xff);
    if (!(last && padding == 2))
      out += static_cast<char>((quad >> 8) & 0xff);
    if (!(last && padding >= 1))
      out += static_cast<char>(quad & 0xff);
  }
  return out;
}

std::optional<std::string> base64_decode_relaxed(std::string_view text)
{
  std::string compact;
  compact.reserve(text.size() + 2);
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
      compact += c;
  if (compact.size() % 4 == 1)
    return std::nullopt; // no padding makes a lone sextet whole
  while (compact.size() % 4 != 0)
    compact += '=';
  return base64_decode(compact);
}

} // namespace weshopd
