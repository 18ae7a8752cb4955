#pragma once
// One broken rule of a request: where (a JSON Pointer, RFC 6901) and why.

#include <string>
#include <string_view>
#include <vector>

namespace weshopd::weshop {

struct violation {
  std::string pointer; // "/params/maskType"; "" means the whole document
  std::string message;

  friend bool operator==(const violation&, const violation&) = default;
};

using violations = std::vector<violation>;

// "/a/b" from tokens, escaping '~' and '/' inside a token as RFC 6901 asks.
std::string json_pointer(std::initializer_list<std::string_view> tokens);

} // namespace weshopd::weshop
