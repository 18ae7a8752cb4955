#pragma once
// Strict standard base64 (RFC 4648 section 4, with '=' padding, no whitespace):
// what WeShop expects for customMask.

#include <optional>
#include <string>
#include <string_view>

namespace weshopd {

// The decoded bytes, or nullopt when `text` is not strict base64.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace weshopd
