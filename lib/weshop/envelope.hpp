#pragma once
// WeShop's response envelopes, both ways:
//   {"success": true,  "data": {...}, "meta": {"executionId": "..."}}
//   {"success": false, "error": {"code": "...", "message": "...", "retryable": false}}
// `success` decides, not the HTTP status. Unknown fields are kept in `raw`.
// Parsing never throws: anything that is not an envelope is errc::bad_envelope.

#include "common/error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace weshopd::weshop {

struct api_error {
  std::string code;
  std::string message;
  bool retryable = false; // anything but JSON true counts as false: never retry on a guess
};

struct envelope {
  bool success = false;
  boost::json::value data;  // the "data" member (null when absent)
  std::string execution_id; // meta.executionId, empty when absent
  api_error error;          // meaningful when !success
  boost::json::object raw;  // the whole envelope as received
};

// Parses JSON text (depth-limited, strict UTF-8) into an envelope.
result<envelope> parse_envelope(std::string_view body);
result<envelope> to_envelope(const boost::json::value& body); // already-parsed JSON

boost::json::object make_success_envelope(boost::json::value data, std::string_view execution_id = {});
boost::json::object make_error_envelope(const api_error& error);

// Parses untrusted JSON text with weshopd's limits; nullopt-like error on failure.
result<boost::json::value> parse_json_limited(std::string_view text, std::size_t max_depth = 64);

} // namespace weshopd::weshop
