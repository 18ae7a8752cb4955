#pragma once
// SHA-256 (OpenSSL) as lowercase hex: request hashes, migration checksums,
// upload dedupe keys, backup copies (streamed).

#include <string>
#include <string_view>

namespace weshopd {

std::string sha256_hex(std::string_view data);

// SHA-256 over bytes that arrive in pieces (a file read in chunks).
class sha256_stream {
public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;
  void update(std::string_view data);
  std::string hex(); // the digest of everything given; once

private:
  void* ctx_; // EVP_MD_CTX
};

} // namespace weshopd
