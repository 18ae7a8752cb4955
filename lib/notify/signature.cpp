#include "notify/signature.hpp"

#include "common/base64.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace weshopd::notify {

std::optional<std::string> signing_key(std::string_view text)
{
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  std::optional<std::string> key;
  if (text.starts_with("whsec_"))
    key = base64_decode(text.substr(6));
  else
    key = std::string(text);
  if (!key || key->size() < 16)
    return std::nullopt;
  return key;
}

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body)
{
  const auto message = std::string(id) + "." + std::to_string(timestamp) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &length);
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

} // namespace weshopd::notify
