#include "api/notify_field.hpp"

#include "http/origin.hpp"

#include <boost/json.hpp>

namespace weshopd::api {

std::optional<notify_target> read_notify_field(const boost::json::value& v, weshop::violations& problems)
{
  if (v.is_null())
    return std::nullopt;
  const auto* obj = v.if_object();
  if (!obj) {
    problems.push_back({"/notify", "must be an object with url (and events)"});
    return std::nullopt;
  }
  const auto before = problems.size();
  notify_target t;
  for (const auto& kv : *obj)
    if (kv.key() != "url" && kv.key() != "events")
      problems.push_back({"/notify/" + std::string(kv.key()), "is not a known field (use url and events)"});
  const auto* url = obj->if_contains("url");
  if (!url || !url->is_string() || !http::origin_of(url->get_string()))
    problems.push_back({"/notify/url", "must be an http(s) URL"});
  else
    t.url = url->get_string();
  if (const auto* events = obj->if_contains("events"); events && !events->is_null()) {
    if (events->is_string() && (events->get_string() == "terminal" || events->get_string() == "all"))
      t.all_events = events->get_string() == "all";
    else
      problems.push_back({"/notify/events", "must be \"terminal\" or \"all\""});
  }
  if (problems.size() != before)
    return std::nullopt;
  return t;
}

} // namespace weshopd::api
