#pragma once
// The local API's one error shape and the one place that maps failures to
// HTTP statuses:
//   {"error": {"code": "validation_failed", "message": "...", "details": [{"field": "/params/x", "message": "..."}]}}

#include "common/error.hpp"
#include "http/message.hpp"
#include "weshop/violation.hpp"

#include <string_view>

namespace weshopd::api {

http::outgoing error_response(unsigned status, std::string_view code, std::string_view message,
                              const weshop::violations& details = {});

// A failure from the engine or the store, as the API answers it
// (not_found -> 404, conflicts -> 409, storage trouble -> 503 + Retry-After, ...).
http::outgoing error_response(const boost::system::error_code& ec);

} // namespace weshopd::api
