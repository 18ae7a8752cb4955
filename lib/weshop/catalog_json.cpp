#include "weshop/catalog_json.hpp"

#include <boost/json.hpp>

namespace weshopd::weshop {
namespace json = boost::json;

json::value to_json(const agent_spec& agent)
{
  json::array inputs;
  for (const auto& in : agent.inputs)
    inputs.push_back(json::object{{"name", in.name},
                                  {"type", in.image ? "image" : "string"},
                                  {"required", in.required},
                                  {"description", in.description}});
  json::array params;
  for (const auto& p : agent.params) {
    json::object o{{"name", p.name}, {"type", to_string(p.type)}, {"required", p.required}};
    if (!p.values.empty()) {
      json::array values;
      for (auto v : p.values)
        values.emplace_back(v);
      o["values"] = std::move(values);
    }
    if (p.min)
      o["min"] = *p.min;
    if (p.max)
      o["max"] = *p.max;
    if (!p.default_value.is_null())
      o["default"] = p.default_value;
    o["description"] = p.description;
    params.push_back(std::move(o));
  }
  json::array rules, advice; // refused when broken / accepted with a warning
  for (const auto& r : agent.rules)
    (r.level == severity::error ? rules : advice).emplace_back(describe(r));
  return json::object{{"name", agent.name},         {"version", agent.version},     {"purpose", agent.purpose},
                      {"inputs", std::move(inputs)}, {"params", std::move(params)}, {"rules", std::move(rules)},
                      {"warnings", std::move(advice)}};
}

json::value catalog_to_json()
{
  json::array agents;
  for (const auto& a : catalog())
    agents.push_back(to_json(a));
  return json::object{{"agents", std::move(agents)}};
}

} // namespace weshopd::weshop
