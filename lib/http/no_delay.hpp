#pragma once
// TCP_NODELAY on every TCP socket the HTTP server accepts and the HTTP client
// connects.
//
// Why: weshopd writes each message whole (a response's head and body in one
// gathered write, each SSE event in one write), so Nagle's algorithm can only
// delay them. It holds a small write while an earlier small one is unacked,
// and a peer that only reads (an SSE client) acks late: Linux delays an ack up
// to 40 ms. An event written while the previous one awaited its ack left that
// much later (issue #24: callback -> SSE p99 13.7 ms, stalls of 35-140 ms).
//
// Best effort: a socket that refuses the option (already closed) is left as is.

#include <boost/asio/ip/tcp.hpp>

namespace weshopd::http {

void send_without_delay(boost::asio::ip::tcp::socket& socket);

} // namespace weshopd::http
