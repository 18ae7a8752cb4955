#include "http/failure_class.hpp"

namespace weshopd::http {

std::string failure_class(const fetch_result& r)
{
  switch (r.failure) {
  case failure_kind::none:
  case failure_kind::redirect: return "http_" + std::to_string(r.resp.status);
  case failure_kind::address_not_allowed: return "address_not_allowed";
  case failure_kind::timeout: return "timeout";
  case failure_kind::resolve:
  case failure_kind::connect:
  case failure_kind::tls:
  case failure_kind::write:
  case failure_kind::read: return "connect_failed";
  case failure_kind::protocol:
  case failure_kind::too_large: return "invalid_response";
  case failure_kind::bad_request: return "invalid_request";
  case failure_kind::canceled: return "canceled";
  }
  return "connect_failed";
}

} // namespace weshopd::http
