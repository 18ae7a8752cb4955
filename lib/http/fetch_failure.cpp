#include "http/fetch_failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>

namespace weshopd::http {

fetch_result fetch_failure(failure_kind kind, bool maybe_sent, std::string message)
{
  fetch_result r;
  r.failure = kind;
  r.maybe_sent = maybe_sent;
  r.message = std::move(message);
  return r;
}

failure_kind failure_of(const boost::system::error_code& ec, failure_kind otherwise)
{
  if (ec == boost::beast::error::timeout)
    return failure_kind::timeout;
  if (ec == boost::asio::error::operation_aborted)
    return failure_kind::canceled;
  return otherwise;
}

std::string_view to_string(failure_kind k)
{
  switch (k) {
  case failure_kind::none: return "none";
  case failure_kind::bad_request: return "bad_request";
  case failure_kind::resolve: return "resolve";
  case failure_kind::connect: return "connect";
  case failure_kind::tls: return "tls";
  case failure_kind::timeout: return "timeout";
  case failure_kind::canceled: return "canceled";
  case failure_kind::write: return "write";
  case failure_kind::read: return "read";
  case failure_kind::protocol: return "protocol";
  case failure_kind::too_large: return "too_large";
  case failure_kind::redirect: return "redirect";
  case failure_kind::address_not_allowed: return "address_not_allowed";
  }
  return "unknown";
}

std::string_view response::header_value(std::string_view name) const
{
  for (const auto& h : headers)
    if (boost::beast::iequals(h.name, name))
      return h.value;
  return {};
}

} // namespace weshopd::http
