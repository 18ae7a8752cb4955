#include "api/errors.hpp"

#include <boost/json.hpp>

namespace weshopd::api {

http::outgoing json_response(unsigned status, std::string body)
{
  http::outgoing out;
  out.status = status;
  out.headers.push_back({"Cache-Control", "no-store"});
  out.body = std::move(body);
  return out;
}

http::outgoing json_response(unsigned status, const boost::json::value& body)
{
  return json_response(status, boost::json::serialize(body));
}

http::outgoing error_response(unsigned status, std::string_view code, std::string_view message,
                              const weshop::violations& details, boost::json::object extra)
{
  boost::json::object error{{"code", code}, {"message", message}};
  if (!details.empty()) {
    boost::json::array list;
    for (const auto& v : details)
      list.push_back(boost::json::object{{"field", v.pointer}, {"message", v.message}});
    error["details"] = std::move(list);
  }
  for (auto& [k, v] : extra)
    error[k] = std::move(v);
  return json_response(status, boost::json::object{{"error", std::move(error)}});
}

http::outgoing error_response(const boost::system::error_code& ec)
{
  if (ec.category() != weshopd_category())
    return error_response(500, "internal", "unexpected failure");
  http::outgoing out;
  switch (static_cast<errc>(ec.value())) {
  case errc::not_found: return error_response(404, "not_found", "no job with that id");
  case errc::job_expired:
    return error_response(404, "job_expired", "this job existed but finished more than jobs.retention_days ago and was deleted");
  case errc::idempotency_conflict:
    return error_response(409, "conflict", "Idempotency-Key was already used with a different request");
  case errc::budget_exceeded: return error_response(429, "budget_exceeded", ec.message());
  case errc::illegal_transition:
  case errc::stale_state: return error_response(409, "conflict", "the job is already finished");
  case errc::overloaded:
  case errc::shutting_down: out = error_response(503, "overloaded", ec.message()); break;
  case errc::storage_full:
  case errc::storage_readonly:
  case errc::storage_io:
  case errc::storage_busy:
  case errc::storage_corrupt:
  case errc::storage_failed: out = error_response(503, "storage_unavailable", ec.message()); break;
  default: return error_response(500, "internal", ec.message());
  }
  out.headers.push_back({"Retry-After", "5"});
  return out;
}

http::outgoing created_answer(bool created, const boost::json::value& body, std::string location)
{
  auto out = json_response(created ? 201 : 200, body);
  out.headers.push_back({"Location", std::move(location)});
  return out;
}

} // namespace weshopd::api
