#pragma once
// How the server reads a request, as pure functions over Beast's parser:
// what to answer when reading fails (431, 413, 400), framing refused as
// smuggling-prone, and the plain `incoming` a handler sees. Shared by the
// server and the fuzz target (one code path). Includes Beast: include it only
// where a request is parsed.

#include "http/message.hpp"

#include <boost/beast/http.hpp>

#include <string_view>

namespace weshopd::http {

// A request that could not be read: what to answer (status 0: just close).
struct read_failure {
  unsigned status;
  std::string_view code;
  std::string_view message;
};

using request_header = boost::beast::http::request_parser<boost::beast::http::string_body>::value_type;

read_failure classify(const boost::system::error_code& ec);
read_failure framing_problem(const request_header& h);
incoming to_incoming(boost::beast::http::request<boost::beast::http::string_body>& req, std::string remote);

// One whole request from bytes, with the server's limits and checks: the
// request, or the refusal the server would answer (status 0 and no request:
// incomplete input).
struct parsed_request {
  std::optional<incoming> request;
  read_failure refusal{0, {}, {}};
};
parsed_request parse_request(std::string_view bytes, std::size_t max_header, std::size_t max_body);

} // namespace weshopd::http
