#pragma once
// The image formats WeShop takes, recognised by their magic bytes (never by
// file name): PNG, JPEG, WebP.

#include <optional>
#include <string_view>

namespace weshopd {

// "image/png", "image/jpeg" or "image/webp" for the first bytes of a file
// (12 are enough); nullopt for anything else.
std::optional<std::string_view> sniff_image_type(std::string_view head);

// The three types, and the file name extension of each (".png", ".jpg", ".webp").
inline constexpr std::string_view image_types[] = {"image/png", "image/jpeg", "image/webp"};
std::string_view image_extension(std::string_view type);

} // namespace weshopd
