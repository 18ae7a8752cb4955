#pragma once
// The WeShop API key. It cannot be printed or streamed by accident: the only
// way to its text is reveal(), used in exactly one place (the Authorization
// header for the API origin). Logs may show fingerprint().

#include <string>
#include <string_view>

namespace weshopd::upstream {

class api_key {
public:
  api_key() = default;
  explicit api_key(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  std::string_view reveal() const { return value_; }
  // "sha256:1a2b3c4d": enough to tell two keys apart, useless to an attacker.
  std::string fingerprint() const;

private:
  std::string value_;
};

} // namespace weshopd::upstream
