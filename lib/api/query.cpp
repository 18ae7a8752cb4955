#include "api/query.hpp"

#include "common/uuid7.hpp"

#include "weshop/catalog.hpp"

#include <charconv>

namespace weshopd::api {

std::optional<long> int_param(const http::incoming& req, const std::string& name, long min, long max, std::string& bad)
{
  const auto it = req.query.find(name);
  if (it == req.query.end())
    return std::nullopt;
  long v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max)
    bad = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  return v;
}

job_filters read_job_filters(const http::incoming& req, weshop::violations& problems)
{
  job_filters f;
  if (const auto it = req.query.find("state"); it != req.query.end()) {
    f.state = parse_job_state(it->second);
    if (!f.state)
      problems.push_back({"/query/state", "is not a job state"});
  }
  if (const auto it = req.query.find("agent"); it != req.query.end()) {
    if (weshop::find_agent(it->second))
      f.agent = it->second;
    else
      problems.push_back({"/query/agent", "is not a known agent"});
  }
  if (const auto it = req.query.find("batch"); it != req.query.end()) {
    if (looks_like_uuid(it->second))
      f.batch = it->second;
    else
      problems.push_back({"/query/batch", "is not a batch id"});
  }
  return f;
}

} // namespace weshopd::api
