#include "weshop/run.hpp"

#include "weshop/canonical.hpp"

#include <array>
#include <utility>

namespace weshopd::weshop {
namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, run_state>, 5> known_states{{
  {"Pending", run_state::pending},
  {"Segmenting", run_state::segmenting},
  {"Running", run_state::running},
  {"Success", run_state::success},
  {"Failed", run_state::failed},
}};

std::string string_member(const json::object& obj, std::string_view key)
{
  const auto* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

} // namespace

run_state parse_run_state(std::string_view status)
{
  for (const auto& [name, state] : known_states)
    if (name == status)
      return state;
  return run_state::unknown;
}

bool is_terminal(run_state s)
{
  return s == run_state::success || s == run_state::failed;
}

result<run> parse_run(const envelope& env)
{
  const auto* data = env.data.if_object();
  if (!env.success || !data)
    return errc::bad_run;
  const auto* executions_value = data->if_contains("executions");
  const auto* executions = executions_value ? executions_value->if_array() : nullptr;
  if (!executions)
    return errc::bad_run;

  run r;
  r.raw = *data;
  r.agent_name = string_member(*data, "agentName");
  r.agent_version = string_member(*data, "agentVersion");
  r.execution_id = env.execution_id;

  const json::object* matching = nullptr;
  const json::object* last = nullptr;
  for (const auto& e : *executions) {
    const auto* exec = e.if_object();
    if (!exec)
      return errc::bad_run;
    last = exec;
    if (!env.execution_id.empty() && string_member(*exec, "executionId") == env.execution_id)
      matching = exec;
    if (const auto* items_value = exec->if_contains("result"); items_value && !items_value->is_null()) {
      const auto* items = items_value->if_array();
      if (!items)
        return errc::bad_run;
      for (const auto& item : *items) {
        const auto* obj = item.if_object();
        if (!obj)
          return errc::bad_run;
        r.results.push_back({string_member(*obj, "status"), string_member(*obj, "image"), *obj});
      }
    }
  }
  if (const auto* chosen = matching ? matching : last) {
    r.status = string_member(*chosen, "status");
    if (r.execution_id.empty())
      r.execution_id = string_member(*chosen, "executionId");
  }
  r.state = parse_run_state(r.status);
  return r;
}

json::object make_run_request(std::string_view agent, std::string_view version, const json::object& input,
                              const json::object& params, std::optional<std::string_view> callback_url)
{
  json::object body{{"agent", json::object{{"name", agent}, {"version", version}}}, {"input", input}, {"params", params}};
  canonicalize(body); // jobs stored before canonical forms existed may hold nulls or 2.0
  if (callback_url)
    body["callbackUrl"] = *callback_url;
  return body;
}

} // namespace weshopd::weshop
