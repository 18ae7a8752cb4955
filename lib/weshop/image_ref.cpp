#include "weshop/image_ref.hpp"

#include <boost/url/parse.hpp>

namespace weshopd::weshop {

bool is_http_url(std::string_view text)
{
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url)
    return false;
  const auto scheme = url->scheme_id();
  return (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) &&
         !url->encoded_host().empty();
}

image_ref classify_image_ref(std::string_view text)
{
  if (text.find('\0') != std::string_view::npos)
    return {image_ref::kind::invalid, {}};
  if (text.starts_with('/'))
    return {image_ref::kind::local_file, std::string(text)};
  if (is_http_url(text))
    return {image_ref::kind::remote_url, std::string(text)};
  auto url = boost::urls::parse_absolute_uri(text);
  if (url && url->scheme_id() == boost::urls::scheme::file) {
    // file:///abs/path or file://localhost/abs/path; no other host can be local.
    const auto host = url->encoded_host();
    std::string path = url->path();
    if ((host.empty() || host == "localhost") && path.starts_with('/') && !url->has_query() &&
        !url->has_fragment())
      return {image_ref::kind::local_file, std::move(path)};
  }
  return {image_ref::kind::invalid, {}};
}

} // namespace weshopd::weshop
