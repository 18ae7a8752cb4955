#pragma once
// Standard Webhooks signatures (https://www.standardwebhooks.com/):
//   webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>
// The secret is "whsec_<base64>" (decoded), or else the file's bytes as they are.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weshopd::notify {

// The signing key from a secret's text (trailing whitespace ignored);
// nullopt when it is too short to be a secret (under 16 bytes) or bad base64.
std::optional<std::string> signing_key(std::string_view secret_text);

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body);

} // namespace weshopd::notify
