#pragma once
// How the client reports a failed fetch: its kind, whether the request may
// have reached the server, and a message (client.hpp has the types).

#include "http/client.hpp"

#include <boost/system/error_code.hpp>

#include <string>

namespace weshopd::http {

fetch_result fetch_failure(failure_kind kind, bool maybe_sent, std::string message);

// The kind of an error from connect/handshake/write/read: timeout, canceled, or `otherwise`.
failure_kind failure_of(const boost::system::error_code& ec, failure_kind otherwise);

} // namespace weshopd::http
