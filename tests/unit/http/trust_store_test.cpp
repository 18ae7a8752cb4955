// The system's trust store is read once per process and shared: every client
// context gets the same store, holding what a context reading it afresh holds.

#include "http/trust_store.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>

using namespace weshopd;

namespace {

struct ctx_free {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_free>;

ctx_ptr client_context()
{
  return ctx_ptr(SSL_CTX_new(TLS_client_method()));
}

int objects_in(SSL_CTX* ctx)
{
  return sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx)));
}

} // namespace

TEST(TrustStore, EveryContextSharesTheOneStoreReadOnce)
{
  const auto a = client_context();
  const auto b = client_context();
  http::use_system_trust_store(a.get());
  http::use_system_trust_store(b.get());
  EXPECT_EQ(SSL_CTX_get_cert_store(a.get()), SSL_CTX_get_cert_store(b.get()));

  const auto fresh = client_context();
  ASSERT_EQ(SSL_CTX_set_default_verify_paths(fresh.get()), 1);
  // GE: a lookup in the hashed directory may since have added a certificate to the shared store.
  EXPECT_GE(objects_in(a.get()), objects_in(fresh.get())) << "the shared store holds the system's certificates";
}

TEST(TrustStore, TheStoreOutlivesTheContextsThatUsedIt)
{
  X509_STORE* store = nullptr;
  {
    const auto a = client_context();
    http::use_system_trust_store(a.get());
    store = SSL_CTX_get_cert_store(a.get());
  } // a's reference is dropped; the process's own remains
  const auto b = client_context();
  http::use_system_trust_store(b.get());
  EXPECT_EQ(SSL_CTX_get_cert_store(b.get()), store);
  EXPECT_EQ(objects_in(b.get()), sk_X509_OBJECT_num(X509_STORE_get0_objects(store)));
}
