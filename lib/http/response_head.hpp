#pragma once
// A response's status line and headers, written by hand into one string that
// goes out with the body in one gathered write: no header container per
// response. A header name or value with a line break is left out (our own
// values; this is a last guard against splitting a response).

#include "http/message.hpp"

#include <string>

namespace weshopd::http {

// version: 10 or 11. A streamed body gets no Content-Length (it ends when the
// connection closes).
std::string response_head(const outgoing& out, unsigned version, bool keep_alive);

} // namespace weshopd::http
