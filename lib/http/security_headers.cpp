#include "http/security_headers.hpp"

namespace weshopd::http {

void add_security_headers(outgoing& out, page_kind kind)
{
  // blob: images are the dashboard's own: mirrored copies fetched with the token.
  out.headers.push_back({"Content-Security-Policy",
                         kind == page_kind::dashboard
                           ? "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
                             "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
                           : "default-src 'none'; frame-ancestors 'none'; sandbox"});
  out.headers.push_back({"X-Content-Type-Options", "nosniff"});
  out.headers.push_back({"Referrer-Policy", "no-referrer"});
  out.headers.push_back({"X-Frame-Options", "DENY"});
  out.headers.push_back({"Cross-Origin-Resource-Policy", "same-origin"});
  out.headers.push_back({"Cross-Origin-Opener-Policy", "same-origin"});
}

} // namespace weshopd::http
