#include "ui/static_site.hpp"

#include "common/sha256.hpp"
#include "ui/assets.hpp"

#include <map>
#include <string>

namespace weshopd::ui {

namespace {

std::string_view content_type_of(std::string_view name)
{
  static const std::map<std::string_view, std::string_view> by_extension{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
  };
  for (const auto& [ext, type] : by_extension)
    if (name.ends_with(ext))
      return type;
  return "application/octet-stream";
}

struct entry {
  std::string_view body;
  std::string etag;
};

// Hashed once, on first use.
const std::map<std::string_view, entry>& files()
{
  static const auto all = [] {
    std::map<std::string_view, entry> m;
    for (const auto& a : assets())
      m[a.name] = {a.body, "\"" + sha256_hex(a.body).substr(0, 32) + "\""};
    return m;
  }();
  return all;
}

} // namespace

std::optional<http::outgoing> serve(std::string_view name, std::string_view if_none_match)
{
  if (name.empty())
    name = "index.html";
  const auto it = files().find(name);
  if (it == files().end())
    return std::nullopt;
  http::outgoing out;
  out.content_type = std::string(content_type_of(name));
  out.headers.push_back({"ETag", it->second.etag});
  out.headers.push_back({"Cache-Control", "no-cache"});
  if (if_none_match == it->second.etag)
    out.status = 304;
  else
    out.body = std::string(it->second.body);
  return out;
}

} // namespace weshopd::ui
