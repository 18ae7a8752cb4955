#include "weshop/violation.hpp"

namespace weshopd::weshop {

std::string json_pointer(std::initializer_list<std::string_view> tokens)
{
  std::string out;
  for (auto token : tokens) {
    out += '/';
    for (char c : token) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
  }
  return out;
}

} // namespace weshopd::weshop
