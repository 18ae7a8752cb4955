#pragma once
// Base64 (RFC 4648): strict standard decoding (with '=' padding, no
// whitespace) and a relaxed one for customMask, whose form the guide leaves
// open; encoding for signatures, tokens and cursors.

#include <optional>
#include <string>
#include <string_view>

namespace weshopd {

std::string base64_encode(std::string_view bytes);
// The URL- and path-safe alphabet ('-', '_'), without padding.
std::string base64url_encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not strict base64.
std::optional<std::string> base64_decode(std::string_view text);

// As base64_decode, but line breaks and spaces are ignored and padding may be left out.
std::optional<std::string> base64_decode_relaxed(std::string_view text);

} // namespace weshopd
