#include "sim_images.hpp"

#include "common/image_type.hpp"

namespace weshop_sim {

namespace {

// 1x1 transparent PNG: what every simulated result image is.
const std::string tiny_png = [] {
  const unsigned char bytes[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
    0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80,
    0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}();

} // namespace

image_file serve_image(const sim_state& state, std::string_view path)
{
  if (path.starts_with("/uploads/"))
    if (const auto* bytes = state.find_upload(path.substr(9)))
      return {200, std::string(weshopd::sniff_image_type(*bytes).value_or("application/octet-stream")), *bytes};
  if (path.starts_with("/results/") && path.ends_with(".png"))
    return {200, "image/png", tiny_png};
  if (path.starts_with("/results/") && path.ends_with(".html")) // a CDN's error page, say
    return {200, "text/html", "<html><body>Access denied</body></html>"};
  if (path == "/redirected")
    return {200, "text/plain", "you followed a redirect"};
  return {404, "text/plain", "not found"};
}

} // namespace weshop_sim
