#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>

namespace weshopd::http {

namespace bhttp = boost::beast::http;

std::string response_head(const outgoing& out, unsigned version, bool keep_alive)
{
  std::string head;
  head.reserve(192 + out.headers.size() * 48);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(out.status);
  head += ' ';
  head += bhttp::obsolete_reason(static_cast<bhttp::status>(out.status));
  head += "\r\n";
  const auto add = [&head](std::string_view name, std::string_view value) {
    if (name.find_first_of("\r\n:") != std::string_view::npos || value.find_first_of("\r\n") != std::string_view::npos)
      return;
    head.append(name).append(": ").append(value).append("\r\n");
  };
  if (!out.content_type.empty())
    add("Content-Type", out.content_type);
  for (const auto& h : out.headers)
    add(h.name, h.value);
  if (!out.stream && out.status >= 200 && out.status != 204 && out.status != 304)
    add("Content-Length", std::to_string(out.body.size()));
  if (version == 10 && keep_alive)
    add("Connection", "keep-alive");
  else if (version != 10 && !keep_alive)
    add("Connection", "close");
  head += "\r\n";
  return head;
}

} // namespace weshopd::http
