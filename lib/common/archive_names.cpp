#include "common/archive_names.hpp"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace weshopd {

namespace {

constexpr std::size_t max_stem_bytes = 100;
constexpr std::size_t max_extension_chars = 10;

unsigned char byte_at(std::string_view s, std::size_t i)
{
  return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
}

bool continuation(unsigned char b)
{
  return (b & 0xC0) == 0x80;
}

// The length of the well-formed UTF-8 character at `i` (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i)
{
  const auto b0 = byte_at(s, i);
  const auto b1 = byte_at(s, i + 1);
  if (b0 < 0x80)
    return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    return continuation(b1) ? 2 : 0;
  const bool second_ok = b0 == 0xE0 ? (b1 >= 0xA0 && b1 <= 0xBF)
                       : b0 == 0xED ? (b1 >= 0x80 && b1 <= 0x9F)
                       : b0 == 0xF0 ? (b1 >= 0x90 && b1 <= 0xBF)
                       : b0 == 0xF4 ? (b1 >= 0x80 && b1 <= 0x8F)
                                    : continuation(b1);
  if (b0 >= 0xE0 && b0 <= 0xEF)
    return second_ok && continuation(byte_at(s, i + 2)) ? 3 : 0;
  if (b0 >= 0xF0 && b0 <= 0xF4)
    return second_ok && continuation(byte_at(s, i + 2)) && continuation(byte_at(s, i + 3)) ? 4 : 0;
  return 0;
}

bool unsafe_ascii(unsigned char c)
{
  return c < 0x20 || c == 0x7F || std::string_view("<>:\"|?*/\\").find(static_cast<char>(c)) != std::string_view::npos;
}

// Characters kept, the rest '_'; C1 controls (U+0080..U+009F) are controls too.
std::string replace_unsafe(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto n = utf8_length(text, i);
    const bool c1_control = n == 2 && byte_at(text, i) == 0xC2 && byte_at(text, i + 1) < 0xA0;
    if (n == 0 || c1_control || (n == 1 && unsafe_ascii(byte_at(text, i))))
      out += '_';
    else
      out.append(text.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

// Cut to at most `limit` bytes without splitting a character.
std::string cut(std::string text, std::size_t limit)
{
  if (text.size() <= limit)
    return text;
  auto end = limit;
  while (end > 0 && continuation(static_cast<unsigned char>(text[end])))
    --end;
  text.resize(end);
  return text;
}

std::string trimmed(std::string_view text)
{
  const auto first = text.find_first_not_of(". ");
  if (first == std::string_view::npos)
    return {};
  const auto last = text.find_last_not_of(". ");
  return std::string(text.substr(first, last - first + 1));
}

// "dir/shirt.png" -> "shirt", made safe.
std::string stem_of(std::string_view name)
{
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  const auto dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0)
    name = name.substr(0, dot);
  auto stem = trimmed(cut(replace_unsafe(name), max_stem_bytes));
  return stem.empty() ? "item" : stem;
}

// ".png" or "png" -> ".png"; anything but letters and digits -> no extension.
std::string extension_of(std::string_view ext)
{
  if (ext.starts_with('.'))
    ext.remove_prefix(1);
  if (ext.empty() || ext.size() > max_extension_chars)
    return {};
  for (const char c : ext)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return {};
  return "." + std::string(ext);
}

std::string folded(std::string text)
{
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::vector<std::string> names_for(const std::string& stem, const std::vector<std::string>& extensions)
{
  std::vector<std::string> names;
  for (std::size_t k = 0; k < extensions.size(); ++k)
    names.push_back(stem + "-" + std::to_string(k + 1) + extension_of(extensions[k]));
  return names;
}

} // namespace

std::vector<std::vector<std::string>> archive_names(const std::vector<archive_item>& items)
{
  std::unordered_set<std::string> stems;               // folded
  std::unordered_set<std::string> taken;               // folded names
  std::unordered_map<std::string, int> next_suffix;    // folded base stem -> the next " (n)" to try
  std::vector<std::vector<std::string>> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const auto base = stem_of(item.name);
    auto& n = next_suffix.try_emplace(folded(base), 1).first->second;
    for (;; ++n) {
      const auto stem = n == 1 ? base : base + " (" + std::to_string(n) + ")";
      auto names = names_for(stem, item.extensions);
      bool free = !stems.contains(folded(stem));
      for (const auto& name : names)
        free = free && !taken.contains(folded(name));
      if (!free)
        continue;
      stems.insert(folded(stem));
      for (const auto& name : names)
        taken.insert(folded(name));
      out.push_back(std::move(names));
      break;
    }
  }
  return out;
}

} // namespace weshopd
