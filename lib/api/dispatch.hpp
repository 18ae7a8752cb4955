#pragma once
// Runs the handler a routing table picks for a request, or answers 404
// (no such route) / 405 with Allow (the path takes other methods) in the
// API's error shape.

#include "http/message.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace weshopd::api {

using route = std::function<boost::asio::awaitable<http::outgoing>(http::incoming&)>;

boost::asio::awaitable<http::outgoing> dispatch(const http::router<route>& routes, http::incoming& req);

} // namespace weshopd::api
