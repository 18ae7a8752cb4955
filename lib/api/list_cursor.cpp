#include "api/list_cursor.hpp"

#include "common/base64.hpp"
#include "common/uuid7.hpp"

namespace weshopd::api {

namespace {
constexpr std::string_view cursor_prefix = "c1.";
}

std::string encode_cursor(const std::string& last_id)
{
  // base64url without padding of the id; the prefix versions the format.
  return std::string(cursor_prefix) + base64url_encode(last_id);
}

std::optional<std::string> decode_cursor(std::string_view cursor)
{
  if (!cursor.starts_with(cursor_prefix))
    return std::nullopt;
  std::string b64(cursor.substr(cursor_prefix.size()));
  for (auto& c : b64) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/')
      return std::nullopt;
  }
  while (b64.size() % 4)
    b64 += '=';
  auto id = base64_decode(b64);
  if (!id || !looks_like_uuid(*id) || encode_cursor(*id) != cursor) // one spelling per cursor
    return std::nullopt;
  return id;
}

} // namespace weshopd::api
