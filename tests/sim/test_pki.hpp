#pragma once
// A throwaway PKI for tests, made with OpenSSL at test time: a CA and server
// certificates it signs (with chosen names, addresses and validity), written
// as PEM files. Never used outside tests and the dev stack.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace weshop_sim {

struct server_cert_spec {
  std::vector<std::string> dns{"localhost"};
  std::vector<std::string> ips{"127.0.0.1"};
  std::chrono::seconds not_before{-3600}; // relative to now
  std::chrono::seconds not_after{30 * 24 * 3600};
};

class test_ca {
public:
  explicit test_ca(const std::string& common_name);
  test_ca(test_ca&&) noexcept;
  ~test_ca();

  void write_cert(const std::string& path) const;
  // Issues a server certificate and writes it and its private key.
  void issue(const server_cert_spec& spec, const std::string& cert_path, const std::string& key_path) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ca.pem, server.pem and server.key in `dir` for 127.0.0.1/localhost, made
// only when ca.pem is missing (so a dev stack keeps trusting the same CA).
void ensure_dev_pki(const std::string& dir);

} // namespace weshop_sim
