#pragma once
// What an image input (input.originalImage, ...) refers to: a remote http(s)
// URL that WeShop fetches itself, or a local file that weshopd must upload
// first (an absolute path or a file:// URL). Syntax only; whether the file
// exists and is allowed is decided where files are opened.

#include <string>
#include <string_view>

namespace weshopd::weshop {

struct image_ref {
  enum class kind { remote_url, local_file, invalid } kind;
  std::string location; // the URL, or the local absolute path (file:// decoded)
};

image_ref classify_image_ref(std::string_view text);

// True for an absolute http or https URL with a host.
bool is_http_url(std::string_view text);

} // namespace weshopd::weshop
