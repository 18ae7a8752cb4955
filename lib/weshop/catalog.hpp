#pragma once
// The WeShop agents as data: every agent, its inputs, its params (type, allowed
// values, range, default) and the conditional rules between params, as the
// guide (shared/weshop-agent-openapi-2026-04-02.txt) states them. A rule that
// the guide states is an error; where the guide is silent but a value is
// probably a mistake, the rule is a warning (the request still goes). validate()
// and warnings() interpret this table; the local API serves it as GET /v1/agents.
// No I/O; immutable after first use, so safe to read from any thread.

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::weshop {

enum class param_type {
  string,      // text (an empty optional string counts as absent: see canonical.hpp)
  integer,     // an integral JSON number, optionally within [min, max]
  enumeration, // one of `values`
  url,         // absolute http(s) URL
  base64_png,  // base64 of a PNG, without a "data:" prefix
  hex_color,   // "#rrggbb"
};

struct param_spec {
  std::string_view name;
  param_type type;
  bool required = false;
  std::vector<std::string_view> values{}; // enumeration only
  std::optional<std::int64_t> min{};      // integer only
  std::optional<std::int64_t> max{};
  boost::json::value default_value{};     // null: no default (or "computed", see description)
  std::string_view description{};
};

// An input field (input.*). Image inputs take an http(s) URL or, for the local
// API, a local absolute path / file:// URL that weshopd uploads first.
struct input_spec {
  std::string_view name;
  bool required;
  bool image;
  std::string_view description;
};

// "param is one of values". Holds only when the param is present with one of them.
struct condition {
  std::string_view param;
  std::vector<std::string_view> values;
};

enum class rule_kind {
  at_least_one_of, // one of `fields` must be present (when `when` holds)
  at_most_one_of,  // no more than one of `fields` is present (when `when` holds)
  required_when,   // fields[0] must be present when `when` holds
  used_only_when,  // each of `fields` means something only when `when` holds
  less_than,       // fields[0] < fields[1], when both are valid integers
};

// error: the guide forbids it (or no value could pass), so 422 and nothing
// stored. warning: the guide is silent and the value may be meant; it goes
// upstream as given, and the answer and the job carry the warning.
enum class severity { error, warning };

struct rule {
  rule_kind kind;
  std::vector<std::string_view> fields;
  std::optional<condition> when{};
  std::string pointer; // JSON Pointer a violation reports (used_only_when: each field's own)
  severity level = severity::error;
  std::string_view guide{}; // the guide's words this rule comes from
};

struct agent_spec {
  std::string_view name;
  std::string_view version;
  std::string_view purpose;
  std::vector<input_spec> inputs;
  std::vector<param_spec> params;
  std::vector<rule> rules;

  const param_spec* find_param(std::string_view param) const;
  const input_spec* find_input(std::string_view input) const;
};

// All agents, in the guide's order.
const std::vector<agent_spec>& catalog();

// nullptr when no agent has that name (and version).
const agent_spec* find_agent(std::string_view name, std::string_view version);
const agent_spec* find_agent(std::string_view name);

// The newest version the catalog knows for `name`, used when a request omits it.
std::optional<std::string_view> default_version(std::string_view name);

// A plain-English statement of the rule ("at least one of locationId, textDescription").
std::string describe(const rule& r);

std::string_view to_string(param_type t);

} // namespace weshopd::weshop
