#include "common/image_type.hpp"

namespace weshopd {

std::optional<std::string_view> sniff_image_type(std::string_view head)
{
  if (head.starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8)))
    return "image/png";
  if (head.starts_with("\xff\xd8\xff"))
    return "image/jpeg";
  if (head.size() >= 12 && head.starts_with("RIFF") && head.substr(8, 4) == "WEBP")
    return "image/webp";
  return std::nullopt;
}

std::string_view image_extension(std::string_view type)
{
  return type == "image/png" ? ".png" : type == "image/jpeg" ? ".jpg" : ".webp";
}

} // namespace weshopd
