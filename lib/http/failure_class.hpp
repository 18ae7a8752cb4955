#pragma once
// What went wrong with an outbound request, as a short class that is safe to
// show to API clients (a delivery's lastError, logs they may read): never the
// socket's own message, which would tell a local client what answers where
// inside the daemon's network.
//
// address_not_allowed (outbound policy), connect_failed (resolve, connect,
// TLS, write or read failed), timeout, http_<status> (an answer that was not
// wanted, redirects included), invalid_response (garbled or over the cap),
// invalid_request (a bad URL or file), canceled.

#include "http/client.hpp"

#include <string>

namespace weshopd::http {

std::string failure_class(const fetch_result& r);

} // namespace weshopd::http
