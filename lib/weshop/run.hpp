#pragma once
// A WeShop run as GET /openapi/agent/runs/{executionId} reports it, and the
// body of POST /openapi/agent/runs. Upstream states are an open set: a state
// this code does not know is kept verbatim and treated as still going.

#include "common/error.hpp"
#include "weshop/envelope.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::weshop {

enum class run_state { pending, segmenting, running, success, failed, unknown };

run_state parse_run_state(std::string_view status);
bool is_terminal(run_state s);

struct result_item {
  std::string status; // each item has its own status ("Success", ...)
  std::string image;  // the result image URL (may be empty for a failed item)
  boost::json::object raw;
};

struct run {
  std::string execution_id;
  std::string agent_name;
  std::string agent_version;
  std::string status; // verbatim, e.g. "Segmenting" or a state added upstream later
  run_state state = run_state::unknown;
  std::vector<result_item> results; // every data.executions[*].result[*], in order
  boost::json::object raw;          // "data" as received
};

// The run in a successful envelope's data. The status comes from the execution
// whose executionId is the envelope's (else the last one). errc::bad_run when
// the shape is not a run.
result<run> parse_run(const envelope& env);

// The body of POST /openapi/agent/runs, canonical (weshop/canonical.hpp).
boost::json::object make_run_request(std::string_view agent, std::string_view version,
                                     const boost::json::object& input, const boost::json::object& params,
                                     std::optional<std::string_view> callback_url);

} // namespace weshopd::weshop
