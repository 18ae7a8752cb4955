#include "http/request_rules.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>

namespace weshopd::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;


read_failure classify(const boost::system::error_code& ec)
{
  if (ec == bhttp::error::header_limit)
    return {431, "headers_too_large", "request headers are over the limit"};
  if (ec == bhttp::error::body_limit)
    return {413, "payload_too_large", "request body is over the limit"};
  if (ec == bhttp::error::bad_content_length || ec == bhttp::error::multiple_content_length)
    return {400, "bad_request", "conflicting or invalid Content-Length"};
  if (ec.category() == make_error_code(bhttp::error::bad_method).category() && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message)
    return {400, "bad_request", "malformed HTTP request"};
  return {0, {}, {}}; // timeout, reset, EOF: nobody to answer
}

// Framing that Beast tolerates but a proxy in front might read differently
// (request smuggling): the same Content-Length twice or as a list, or a
// Transfer-Encoding other than exactly "chunked". Refused, then closed.
read_failure framing_problem(const bhttp::request_parser<bhttp::string_body>::value_type& h)
{
  const auto lengths = h.count(bhttp::field::content_length);
  if (lengths > 1 || (lengths == 1 && h[bhttp::field::content_length].find(',') != std::string_view::npos))
    return {400, "bad_request", "conflicting or invalid Content-Length"};
  const auto encodings = h.count(bhttp::field::transfer_encoding);
  if (encodings > 1 || (encodings == 1 && !beast::iequals(h[bhttp::field::transfer_encoding], "chunked")))
    return {400, "bad_request", "only Transfer-Encoding: chunked is accepted"};
  return {0, {}, {}};
}

incoming to_incoming(bhttp::request<bhttp::string_body>& req, std::string remote)
{
  incoming in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  in.remote = std::move(remote);
  if (auto url = boost::urls::parse_origin_form(req.target())) {
    in.path = url->path();
    for (const auto& p : url->params())
      in.query.emplace(p.key, p.value);
  } else {
    in.path = in.target;
  }
  for (const auto& f : req)
    in.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  in.body = std::move(req.body()); // moved: a body is held once, not twice
  return in;
}

std::string_view incoming::header_value(std::string_view name) const
{
  for (const auto& h : headers)
    if (beast::iequals(h.name, name))
      return h.value;
  return {};
}

parsed_request parse_request(std::string_view bytes, std::size_t max_header, std::size_t max_body)
{
  parsed_request out;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header));
  parser.body_limit(max_body);
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == bhttp::error::need_more)
      break;
    if (ec) {
      out.refusal = classify(ec);
      return out;
    }
    used += n;
    if (parser.is_header_done())
      if (const auto f = framing_problem(parser.get()); f.status) {
        out.refusal = f;
        return out;
      }
    if (n == 0)
      break;
  }
  if (parser.is_done())
    out.request = to_incoming(parser.get(), "fuzz");
  return out;
}

} // namespace weshopd::http
