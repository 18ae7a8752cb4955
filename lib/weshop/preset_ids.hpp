#pragma once
// Preset ids (locationId, fashionModelId, backgroundId) against WeShop's agent
// info, which the guide names as their source: "If you plan to use ID params
// (locationId/fashionModelId/backgroundId), call GET /openapi/v1/agent/info
// ... to fetch valid values". Pure: the caller fetches the info.

#include "weshop/violation.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace weshopd::weshop {

// True when `params` holds any preset id (so the info is worth fetching).
bool has_preset_ids(const boost::json::object& params);

struct preset_verdict {
  violations refused;   // ids the info does not offer
  violations unchecked; // ids the info has no list for (a shape this code does not know)
};

// `info` is agent info's data: lists such as {"locations": [{"id": 3, ...}]}.
preset_verdict check_preset_ids(const boost::json::object& params, const boost::json::value& info);

// Every preset id in `params`, as not checked, with `why` (WeShop could not be asked).
violations unchecked_preset_ids(const boost::json::object& params, std::string_view why);

} // namespace weshopd::weshop
