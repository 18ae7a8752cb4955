#include "api/priority_field.hpp"

#include "engine/fair_queue.hpp"

namespace weshopd::api {

std::string take_priority(boost::json::value& body, weshop::violations& problems)
{
  auto* obj = body.if_object();
  if (!obj || !obj->contains("priority"))
    return "normal";
  const boost::json::value field = obj->at("priority");
  obj->erase("priority");
  if (field.is_null())
    return "normal";
  if (field.is_string() && engine::parse_priority(field.get_string()))
    return std::string(field.get_string());
  problems.push_back({"/priority", "must be \"high\", \"normal\" or \"low\""});
  return "normal";
}

} // namespace weshopd::api
