#include "api/job_scope.hpp"

namespace weshopd::api {

std::optional<std::string> owner_filter(const http::incoming& req)
{
  if (!req.scoped)
    return std::nullopt;
  return req.principal;
}

bool may_see(const http::incoming& req, const job& j)
{
  return !req.scoped || j.token_name == req.principal;
}

bool may_see(const http::incoming& req, const batch& b)
{
  return !req.scoped || b.token_name == req.principal;
}

} // namespace weshopd::api
