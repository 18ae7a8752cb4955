#pragma once
// weshop-sim's own reading of the WeShop guide (shared/weshop-agent-openapi-
// 2026-04-02.txt): each agent's inputs, params, conditionals and preset ids as
// a data table, and check_run_request(), which lists everything wrong with a
// POST /openapi/agent/runs body, as strictly as the real service would take it.
// Written from the guide, sharing no code with weshopd's catalog (issue #19),
// so that a mistake there is not repeated here. Pure functions over constant
// tables: thread-safe.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshop_sim {

enum class value_type {
  integer,    // a JSON integer: 2, never 2.0 or 1.6E1
  text,       // a non-empty string
  one_of,     // a string among `values`
  url,        // an absolute http(s) URL
  base64_png, // base64 of a PNG, without a data: prefix
  hex_colour, // "#rrggbb"
  preset_id,  // a JSON integer among the agent's presets of that param
};

struct field_rule {
  std::string_view name;
  value_type type;
  bool required = false;
  std::vector<std::string_view> values{}; // one_of
  std::optional<std::int64_t> min{};      // integer
  std::optional<std::int64_t> max{};      // integer
  std::string_view guide{};               // the guide's words for it
};

// "At least one of `fields`" (one field: "`field` is required"), always or
// only when the param `when_param` equals `when_value`.
struct condition_rule {
  std::vector<std::string_view> fields;
  std::string_view when_param{};
  std::string_view when_value{};
  std::string_view guide{};
};

// The ids GET /openapi/v1/agent/info lists under `info_key` and a run may
// name in `param`: 1..count, each named "<label> <id>".
struct preset_list {
  std::string_view param;
  std::string_view info_key;
  std::string_view label;
  std::int64_t count;
};

struct agent_rules {
  std::string_view name;
  std::string_view version;
  std::vector<field_rule> input;
  std::vector<field_rule> params;
  std::vector<condition_rule> conditions;
  std::vector<preset_list> presets;
};

const std::vector<agent_rules>& agent_table();
const agent_rules* find_agent_rules(std::string_view name, std::string_view version);

// Every problem with a run request body, each "<JSON pointer> <what>", in a
// stable order; empty when the sim accepts it.
std::vector<std::string> check_run_request(const boost::json::object& body);

// "a; b; c": the message of the INVALID_PARAMS envelope.
std::string join_problems(const std::vector<std::string>& problems);

} // namespace weshop_sim
