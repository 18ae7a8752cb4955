#pragma once
// SHA-256 (OpenSSL) as lowercase hex: request hashes, migration checksums,
// upload dedupe keys.

#include <string>
#include <string_view>

namespace weshopd {

std::string sha256_hex(std::string_view data);

} // namespace weshopd
