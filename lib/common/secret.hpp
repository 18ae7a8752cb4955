#pragma once
// Secrets made and compared safely: random tokens from the OS's CSPRNG
// (OpenSSL RAND_bytes) and comparison in time that does not depend on
// where two strings first differ.

#include <cstddef>
#include <string>
#include <string_view>

namespace weshopd {

// `bytes` random bytes as unpadded base64url (URL- and path-safe).
std::string random_token(std::size_t bytes = 32);

// Equal contents, compared in constant time for equal lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace weshopd
