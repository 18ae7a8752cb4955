#include "upstream/api_key.hpp"

#include "common/sha256.hpp"

namespace weshopd::upstream {

std::string api_key::fingerprint() const
{
  return empty() ? "none" : "sha256:" + sha256_hex(value_).substr(0, 8);
}

} // namespace weshopd::upstream
