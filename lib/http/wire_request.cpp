#include "http/wire_request.hpp"

#include "http/fetch_failure.hpp"
#include "http/multipart.hpp"

namespace weshopd::http {

namespace bhttp = boost::beast::http;

namespace {

bool has_line_break(std::string_view s)
{
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

} // namespace

fetch_result to_wire(request& req, const origin& o, const boost::urls::url_view& url, bhttp::verb verb,
                     const std::string& user_agent, bhttp::request<bhttp::string_body>& out)
{
  for (const auto& h : req.headers)
    if (has_line_break(h.name) || has_line_break(h.value) || h.name.empty())
      return fetch_failure(failure_kind::bad_request, false, "header with a line break");
  std::string target = url.encoded_target().starts_with('/') ? "" : "/";
  target += url.encoded_target();
  out = bhttp::request<bhttp::string_body>{verb, target, 11};
  out.set(bhttp::field::host, o.to_string().substr(o.scheme.size() + 3));
  out.set(bhttp::field::user_agent, user_agent);
  for (const auto& h : req.headers)
    out.set(h.name, h.value);
  if (req.file) { // a form of one file, sent as any body
    auto form = make_multipart(*req.file);
    req.content_type = std::move(form.content_type);
    req.body = std::move(form.body);
  }
  if (!req.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put) {
    if (!req.content_type.empty())
      out.set(bhttp::field::content_type, req.content_type);
    out.body() = std::move(req.body);
    out.prepare_payload();
  }
  return {};
}

} // namespace weshopd::http
