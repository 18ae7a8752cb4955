#pragma once
// weshop-sim's four WeShop API endpoints over sim_state, without sockets:
// each takes the parts of a request it needs and returns the status and the
// envelope to answer. sim_server wraps them with auth, faults and callbacks.
// Run requests are judged by sim_rules only. Single-threaded like sim_state.

#include "sim_state.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <boost/url/params_view.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace weshop_sim {

struct answer {
  unsigned status = 200;
  boost::json::value body;          // null: an empty body
  const sim_run* started = nullptr; // start_run: the run it created
  std::optional<std::int64_t> retry_after{}; // seconds, sent as Retry-After
};

answer error_answer(unsigned status, std::string_view code, std::string_view message, bool retryable);

// Which endpoint a request names: "upload", "runs", "run", "info" or "other".
std::string_view endpoint_of(boost::beast::http::verb method, std::string_view path);
// The answer of `endpoint` (from endpoint_of) to a request that carried the
// key: 429 RATE_LIMITED first when the key is over --max-rps.
answer call_endpoint(sim_state& state, std::string_view endpoint, std::string_view path,
                     boost::urls::params_view query, std::string_view content_type, std::string_view body,
                     bool unknown_status);

// POST /openapi/agent/assets/images: multipart/form-data with a field `image`.
answer upload_image(sim_state& state, std::string_view content_type, std::string_view body);
// POST /openapi/agent/runs: 400 INVALID_REQUEST unless a JSON object,
// 400 INVALID_PARAMS with every problem sim_rules finds, 429
// CONCURRENCY_LIMIT when --max-running runs are unfinished, else a new run.
answer start_run(sim_state& state, std::string_view body);
// GET /openapi/agent/runs/{executionId}
answer get_run(sim_state& state, std::string_view execution_id, bool unknown_status);
// GET /openapi/v1/agent/info?agentName=&agentVersion=: the agent's preset ids.
answer agent_info(boost::urls::params_view query);

} // namespace weshop_sim
