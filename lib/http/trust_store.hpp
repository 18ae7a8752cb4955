#pragma once
// The system's trust store, read once per process and shared by every TLS
// client context that trusts it. Reading it parses the whole CA bundle
// (~150 certificates, tens of milliseconds; over a second under ASan), which
// every http::client used to repeat. Thread-safe: OpenSSL stores are
// reference counted and lock their own lookups; contexts only read them.

#include <openssl/types.h>

namespace weshopd::http {

// Makes ctx verify peers against the system's trust store (the same one the
// first call read). Throws std::runtime_error when the store cannot be read.
void use_system_trust_store(SSL_CTX* ctx);

} // namespace weshopd::http
