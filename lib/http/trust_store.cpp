#include "http/trust_store.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <stdexcept>

namespace weshopd::http {

namespace {

struct store_free {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
using store_ptr = std::unique_ptr<X509_STORE, store_free>;

store_ptr read_system_store()
{
  store_ptr store(X509_STORE_new());
  if (!store || X509_STORE_set_default_paths(store.get()) != 1)
    throw std::runtime_error("TLS trust store (system): cannot be read");
  return store;
}

} // namespace

void use_system_trust_store(SSL_CTX* ctx)
{
  // A throw leaves the static unset, so a later client tries again.
  static const store_ptr store = read_system_store();
  SSL_CTX_set1_cert_store(ctx, store.get()); // the context holds its own reference
}

} // namespace weshopd::http
