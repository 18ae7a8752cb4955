#pragma once
// What keeps a browser from being turned against the local API.
//
// DNS rebinding: a page on evil.example re-points its name at 127.0.0.1 and
// talks to us as "same origin"; the Host header still says evil.example, so
// only names we answer to are let in. An IP literal is always fine (a browser
// sends one only when the page itself came from that address), and the port
// is not checked (ssh -L forwards land here with another one).
//
// CSRF: a state-changing request from a browser (it sends Origin or
// Sec-Fetch-Site) must come from our own origin and carry a content type no
// plain HTML form can send (JSON, or an image for uploads), which also forces
// a CORS preflight we never grant. Clients that are not browsers send
// neither header and are not affected.
//
// Pure: no sockets, no Beast.

#include "http/message.hpp"

#include <optional>
#include <string>
#include <vector>

namespace weshopd::http {

struct refusal {
  unsigned status;
  std::string code;
  std::string message;
};

class browser_guard {
public:
  // `names`: host names (no port) this listener answers to besides
  // localhost and IP literals, e.g. "weshopd.lan".
  explicit browser_guard(std::vector<std::string> names = {});

  // nullopt when `req` may go on. `over_unix_socket`: no browser can reach
  // a unix socket, so its Host is not checked.
  std::optional<refusal> check(const incoming& req, bool over_unix_socket) const;

  bool host_allowed(std::string_view host_header) const;

private:
  std::vector<std::string> names_; // lower case
};

// A Content-Type's media type alone, lower case
// ("Application/JSON; charset=utf-8" -> "application/json").
std::string media_type(std::string_view content_type);

// The host of a Host header, lower case, without port or IPv6 brackets;
// nullopt when it is not a well-formed host[:port].
std::optional<std::string> host_of(std::string_view host_header);

} // namespace weshopd::http
