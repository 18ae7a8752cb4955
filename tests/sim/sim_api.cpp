#include "sim_api.hpp"

#include "common/image_type.hpp"
#include "sim_envelope.hpp"
#include "sim_rules.hpp"

namespace weshop_sim {
namespace json = boost::json;

namespace {

// The bytes of the part named `field` in a multipart/form-data body.
std::optional<std::string> multipart_field(std::string_view content_type, std::string_view body, std::string_view field)
{
  const auto b = content_type.find("boundary=");
  if (!content_type.starts_with("multipart/form-data") || b == std::string_view::npos)
    return std::nullopt;
  std::string boundary(content_type.substr(b + 9));
  if (const auto semi = boundary.find(';'); semi != std::string::npos)
    boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  for (auto pos = body.find(delimiter); pos != std::string_view::npos;) {
    const auto headers_start = pos + delimiter.size() + 2;
    const auto headers_end = body.find("\r\n\r\n", headers_start);
    if (headers_end == std::string_view::npos)
      return std::nullopt;
    const auto next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string_view::npos)
      return std::nullopt;
    const auto headers = body.substr(headers_start, headers_end - headers_start);
    if (headers.find("name=\"" + std::string(field) + "\"") != std::string_view::npos)
      return std::string(body.substr(headers_end + 4, next - headers_end - 4));
    pos = next + 2;
  }
  return std::nullopt;
}

// 429 in the guide's error envelope, retryable, with Retry-After.
answer too_many(std::string_view code, std::string_view message, std::int64_t retry_after)
{
  answer a = error_answer(429, code, message, true);
  a.retry_after = retry_after;
  return a;
}

} // namespace

answer error_answer(unsigned status, std::string_view code, std::string_view message, bool retryable)
{
  return {status, error_envelope(code, message, retryable)};
}

std::string_view endpoint_of(boost::beast::http::verb method, std::string_view path)
{
  using boost::beast::http::verb;
  if (method == verb::post && path == "/openapi/agent/assets/images")
    return "upload";
  if (method == verb::post && path == "/openapi/agent/runs")
    return "runs";
  if (method == verb::get && path.starts_with("/openapi/agent/runs/"))
    return "run";
  if (method == verb::get && path == "/openapi/v1/agent/info")
    return "info";
  return "other";
}

answer call_endpoint(sim_state& state, std::string_view endpoint, std::string_view path,
                     boost::urls::params_view query, std::string_view content_type, std::string_view body,
                     bool unknown_status)
{
  if (const auto wait = state.capacity.admit_request(steady::now()))
    return too_many("RATE_LIMITED", "too many requests per second for this API key", *wait);
  if (endpoint == "upload")
    return upload_image(state, content_type, body);
  if (endpoint == "runs")
    return start_run(state, body);
  if (endpoint == "run")
    return get_run(state, path.substr(std::string_view("/openapi/agent/runs/").size()), unknown_status);
  if (endpoint == "info")
    return agent_info(query);
  return error_answer(404, "NOT_FOUND", "no such endpoint", false);
}

answer upload_image(sim_state& state, std::string_view content_type, std::string_view body)
{
  const auto bytes = multipart_field(content_type, body, "image");
  if (!bytes)
    return error_answer(400, "INVALID_REQUEST", "multipart/form-data with a field named image is required", false);
  const auto type = weshopd::sniff_image_type(*bytes);
  if (!type)
    return error_answer(400, "INVALID_IMAGE", "the image must be PNG, JPEG or WebP", false);
  const auto url = state.store_upload(*bytes, type->substr(6));
  return {200, success_envelope(json::object{{"image", url}})};
}

answer start_run(sim_state& state, std::string_view body)
{
  const auto parsed = parse_json_limited(body);
  if (!parsed || !parsed->is_object())
    return error_answer(400, "INVALID_REQUEST", "the body must be a JSON object", false);
  const auto& request = parsed->get_object();
  if (const auto problems = check_run_request(request); !problems.empty())
    return error_answer(400, "INVALID_PARAMS", join_problems(problems), false);
  if (const auto wait = state.capacity.admit_run(steady::now()))
    return too_many("CONCURRENCY_LIMIT", "too many unfinished runs for this API key", *wait);

  // Checked above: every member below is there and of its type.
  const auto& agent = request.at("agent").get_object();
  const auto* callback = request.if_contains("callbackUrl");
  const auto& run = state.create_run(std::string(agent.at("name").get_string()),
                                     std::string(agent.at("version").get_string()), request.at("input").get_object(),
                                     request.at("params").get_object(),
                                     callback ? std::string(callback->get_string()) : std::string());
  return {200, success_envelope(json::object{{"executionId", run.id}}, run.id), &run};
}

answer get_run(sim_state& state, std::string_view execution_id, bool unknown_status)
{
  auto* run = state.find_run(execution_id);
  if (!run)
    return error_answer(404, "RUN_NOT_FOUND", "no run with that executionId", false);
  ++run->polls;
  if (state.callback_sent_us.contains(run->id))
    state.fetched_after_callback_us.try_emplace(run->id, unix_now_us());
  return {200, success_envelope(state.run_data(*run, steady::now(), unknown_status), run->id)};
}

answer agent_info(boost::urls::params_view query)
{
  const auto name = query.find("agentName");
  const auto version = query.find("agentVersion");
  const auto* rules =
    name == query.end() || version == query.end() ? nullptr : find_agent_rules((*name).value, (*version).value);
  if (!rules)
    return error_answer(400, "INVALID_AGENT", "unknown agentName/agentVersion", false);
  json::object data{{"agentName", rules->name}, {"agentVersion", rules->version}};
  for (const auto& list : rules->presets) {
    json::array items;
    for (std::int64_t id = 1; id <= list.count; ++id)
      items.push_back(json::object{{"id", id}, {"name", std::string(list.label) + " " + std::to_string(id)}});
    data[list.info_key] = std::move(items);
  }
  return {200, success_envelope(std::move(data))};
}

} // namespace weshop_sim
