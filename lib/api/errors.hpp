#pragma once
// The local API's one error shape and the one place that maps failures to
// HTTP statuses:
//   {"error": {"code": "validation_failed", "message": "...", "details": [{"field": "/params/x", "message": "..."}]}}

#include "common/error.hpp"
#include "http/message.hpp"
#include "weshop/violation.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace weshopd::api {

// A JSON answer (not to be cached): the one way every route answers JSON.
http::outgoing json_response(unsigned status, std::string body);
http::outgoing json_response(unsigned status, const boost::json::value& body);

// 201 and the new resource with its Location, or 200 and the one an
// Idempotency-Key already named.
http::outgoing created_answer(bool created, const boost::json::value& body, std::string location);

// `extra`: members beside code, message and details (e.g. resetAt).
http::outgoing error_response(unsigned status, std::string_view code, std::string_view message,
                              const weshop::violations& details = {}, boost::json::object extra = {});

// A failure from the engine or the store, as the API answers it
// (not_found -> 404, conflicts -> 409, storage trouble -> 503 + Retry-After, ...).
http::outgoing error_response(const boost::system::error_code& ec);

} // namespace weshopd::api
