#pragma once
// A request as the local API sees it and the response it returns: plain
// structs, so handlers need no Beast headers.

#include "http/client.hpp" // header

#include <map>
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
  std::map<std::string, std::string> params; // route captures, filled by the router

  std::string_view header_value(std::string_view name) const;
};

struct outgoing {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<header> headers;
  std::string body;
};

} // namespace weshopd::http
