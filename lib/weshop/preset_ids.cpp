#include "weshop/preset_ids.hpp"

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <string>

namespace weshopd::weshop {
namespace json = boost::json;

namespace {

struct preset {
  std::string_view param;
  std::string_view list; // agent info's member that lists its values
};

constexpr std::array<preset, 3> presets{{
  {"locationId", "locations"},
  {"fashionModelId", "fashionModels"},
  {"backgroundId", "backgrounds"},
}};

std::optional<std::int64_t> id_of(const json::value& v)
{
  if (const auto* o = v.if_object()) {
    const auto* id = o->if_contains("id");
    return id ? id_of(*id) : std::nullopt;
  }
  if (v.is_int64())
    return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v.get_uint64());
  if (const auto* s = v.if_string()) { // some APIs send ids as text
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec == std::errc{} && end == s->data() + s->size())
      return n;
  }
  return std::nullopt;
}

} // namespace

bool has_preset_ids(const json::object& params)
{
  for (const auto& p : presets)
    if (params.contains(p.param))
      return true;
  return false;
}

preset_verdict check_preset_ids(const json::object& params, const json::value& info)
{
  preset_verdict verdict;
  const auto* data = info.if_object();
  for (const auto& p : presets) {
    const auto* given = params.if_contains(p.param);
    if (!given)
      continue;
    const auto pointer = json_pointer({"params", p.param});
    const auto* member = data ? data->if_contains(p.list) : nullptr;
    const auto* list = member ? member->if_array() : nullptr;
    if (!list) {
      verdict.unchecked.push_back({pointer, "not checked: WeShop's agent info has no " + std::string(p.list) + " list"});
      continue;
    }
    std::set<std::int64_t> offered;
    for (const auto& item : *list)
      if (const auto id = id_of(item))
        offered.insert(*id);
    const auto id = id_of(*given);
    if (!id || !offered.contains(*id))
      verdict.refused.push_back({pointer, "is not an id WeShop offers (agent info lists " +
                                            std::to_string(offered.size()) + " " + std::string(p.list) + ")"});
  }
  return verdict;
}

violations unchecked_preset_ids(const json::object& params, std::string_view why)
{
  violations out;
  for (const auto& p : presets)
    if (params.contains(p.param))
      out.push_back({json_pointer({"params", p.param}), "not checked against WeShop's agent info: " + std::string(why)});
  return out;
}

} // namespace weshopd::weshop
