#include "test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <ctime>
#include <functional>
#include <filesystem>
#include <stdexcept>

namespace weshop_sim {
namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

void check(int ok, const char* what)
{
  if (ok <= 0)
    throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

pkey_ptr make_key()
{
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key)
    throw std::runtime_error("test PKI: key generation failed");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext)
    throw std::runtime_error("test PKI: extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

x509_ptr make_cert(const std::string& cn, EVP_PKEY* subject_key, std::chrono::seconds not_before,
                   std::chrono::seconds not_after)
{
  static std::atomic<long> serial{1};
  x509_ptr cert(X509_new());
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++ + std::time(nullptr)), "serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before.count());
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after.count());
  check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                   -1, 0),
        "subject");
  return cert;
}

void write_pem(const std::string& path, const std::function<int(BIO*)>& write)
{
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (!bio)
    throw std::runtime_error("test PKI: cannot write " + path);
  const int ok = write(bio);
  BIO_free(bio);
  check(ok, "PEM write");
}

} // namespace

struct test_ca::impl {
  pkey_ptr key;
  x509_ptr cert;
};

test_ca::test_ca(const std::string& common_name) : impl_(std::make_unique<impl>())
{
  impl_->key = make_key();
  impl_->cert = make_cert(common_name, impl_->key.get(), std::chrono::seconds(-3600), std::chrono::hours(24 * 365));
  X509* c = impl_->cert.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(c)), "issuer");
  add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(c, c, NID_subject_key_identifier, "hash");
  check(X509_sign(c, impl_->key.get(), EVP_sha256()), "X509_sign");
}

test_ca::test_ca(test_ca&&) noexcept = default;
test_ca::~test_ca() = default;

void test_ca::write_cert(const std::string& path) const
{
  write_pem(path, [&](BIO* b) { return PEM_write_bio_X509(b, impl_->cert.get()); });
}

void test_ca::issue(const server_cert_spec& spec, const std::string& cert_path, const std::string& key_path) const
{
  auto key = make_key();
  const std::string cn = spec.dns.empty() ? (spec.ips.empty() ? "server" : spec.ips[0]) : spec.dns[0];
  auto cert = make_cert(cn, key.get(), spec.not_before, spec.not_after);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->cert.get())), "issuer");
  std::string san;
  for (const auto& d : spec.dns)
    san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : spec.ips)
    san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty())
    add_ext(cert.get(), impl_->cert.get(), NID_subject_alt_name, san);
  add_ext(cert.get(), impl_->cert.get(), NID_basic_constraints, "CA:FALSE");
  add_ext(cert.get(), impl_->cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), impl_->cert.get(), NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), impl_->cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), impl_->key.get(), EVP_sha256()), "X509_sign");

  write_pem(cert_path, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  write_pem(key_path,
            [&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
}

void ensure_dev_pki(const std::string& dir)
{
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  if (fs::exists(fs::path(dir) / "ca.pem"))
    return;
  test_ca ca("weshop-sim test CA");
  ca.issue({}, (fs::path(dir) / "server.pem").string(), (fs::path(dir) / "server.key").string());
  ca.write_cert((fs::path(dir) / "ca.pem").string());
}

} // namespace weshop_sim
