#pragma once
// weshop-sim's image host (its own HTTPS port, as WeShop's CDN is another
// host): the uploaded images by name, every result as a 1x1 PNG (or, for
// sim:page-result runs, an HTML page), and the target of the redirect fault.
// No sockets here. Single-threaded like sim_state.

#include "sim_state.hpp"

#include <string>
#include <string_view>

namespace weshop_sim {

struct image_file {
  unsigned status = 200;
  std::string content_type;
  std::string body;
};

image_file serve_image(const sim_state& state, std::string_view path);

} // namespace weshop_sim
