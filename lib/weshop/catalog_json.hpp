#pragma once
// The catalog as JSON, the body of GET /v1/agents:
// {"agents": [{"name", "version", "purpose", "inputs": [...],
//   "params": [{"name", "type", "required", "values"?, "min"?, "max"?, "default"?, "description"}],
//   "rules": ["..."]}]}

#include "weshop/catalog.hpp"

#include <boost/json/value.hpp>

namespace weshopd::weshop {

boost::json::value to_json(const agent_spec& agent);
boost::json::value catalog_to_json();

} // namespace weshopd::weshop
