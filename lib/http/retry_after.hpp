#pragma once
// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.

#include <chrono>
#include <optional>
#include <string_view>

namespace weshopd::http {

// The delay the header asks for, measured from `now`; a date in the past is
// zero; nullopt when the value is neither form.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now =
                                                        std::chrono::system_clock::now());

} // namespace weshopd::http
