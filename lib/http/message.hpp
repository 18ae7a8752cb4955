#pragma once
// A request as the local API sees it and the response it returns: plain
// structs, so handlers need no Beast headers.

#include "http/client.hpp" // header

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::http {

struct incoming {
  std::string method;
  std::string target; // as sent: path and query
  std::string path;   // decoded path
  std::map<std::string, std::string> query; // decoded; a repeated name keeps the first
  std::vector<header> headers;
  std::string body;
  std::string remote; // peer address
  std::string principal; // the name of the API token it came with ("" without tokens)
  // Token scopes, set with the principal: `scoped` sees and acts on only the
  // jobs its principal created; `admin` is a token line's "admin" word.
  bool scoped = false;
  bool admin = false;
  std::map<std::string, std::string> params; // route captures, filled by the router

  std::string_view header_value(std::string_view name) const;
};

// Where a streamed response body goes (Server-Sent Events).
class body_writer {
public:
  virtual ~body_writer() = default;
  // Sends `data` now. False when the client is gone or does not read within
  // the write timeout: the stream should end.
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
};

struct outgoing {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<header> headers;
  std::string body;
  // When set, the body is streamed instead: the head goes out at once, then
  // this runs; the connection closes when it returns (the end of the body).
  std::function<boost::asio::awaitable<void>(body_writer&)> stream{};
  // Kept alive until the response is sent or its stream ends (a stream slot).
  std::shared_ptr<void> hold{};
};

} // namespace weshopd::http
