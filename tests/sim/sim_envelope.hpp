#pragma once
// weshop-sim's side of the guide's wire format, written here rather than
// borrowed from weshopd (issue #19): the two response envelopes
//   {"success": true,  "data": {...}, "meta": {"executionId": "..."}}
//   {"success": false, "error": {"code": "...", "message": "...", "retryable": false}}
// a size- and depth-limited JSON parse for request bodies, and the http(s)
// URL check the guide's "string(url)" fields need. Pure functions.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace weshop_sim {

// `meta.executionId` only when an id is given (the guide puts it on runs).
boost::json::object success_envelope(boost::json::value data, std::string_view execution_id = {});
boost::json::object error_envelope(std::string_view code, std::string_view message, bool retryable);

inline constexpr std::size_t max_json_bytes = 8 * 1024 * 1024;
inline constexpr std::size_t max_json_depth = 64;

// The parsed body, or nullopt when it is not JSON or is over the limits.
std::optional<boost::json::value> parse_json_limited(std::string_view text);

// True for an absolute http:// or https:// URL with a host.
bool is_http_url(std::string_view text);

} // namespace weshop_sim
