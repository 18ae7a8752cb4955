#pragma once
// The dashboard's files (ui/ in the source tree), compiled into the binary.

#include <string_view>
#include <vector>

namespace weshopd::ui {

struct asset {
  std::string_view name; // "index.html", "app.js", ...
  std::string_view body;
};

const std::vector<asset>& assets();

} // namespace weshopd::ui
