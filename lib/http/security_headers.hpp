#pragma once
// The headers every local API answer carries for browsers: no sniffing, no
// referrer, no framing, not readable by other origins' pages, and a strict
// Content-Security-Policy (the dashboard loads only its own scripts, styles
// and images; API answers may load nothing at all).

#include "http/message.hpp"

namespace weshopd::http {

enum class page_kind { api, dashboard };

void add_security_headers(outgoing& out, page_kind kind);

} // namespace weshopd::http
