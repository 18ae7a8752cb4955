#include "weshop/envelope.hpp"

#include <boost/json/parse.hpp>

namespace weshopd::weshop {
namespace json = boost::json;

result<json::value> parse_json_limited(std::string_view text, std::size_t max_depth)
{
  json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  auto v = json::parse(text, ec, {}, options);
  if (ec)
    return ec;
  return v;
}

result<envelope> parse_envelope(std::string_view body)
{
  auto v = parse_json_limited(body);
  if (!v)
    return errc::bad_envelope;
  return to_envelope(*v);
}

result<envelope> to_envelope(const json::value& body)
{
  const auto* obj = body.if_object();
  if (!obj)
    return errc::bad_envelope;
  const auto* success = obj->if_contains("success");
  if (!success || !success->is_bool())
    return errc::bad_envelope;

  envelope env;
  env.success = success->get_bool();
  env.raw = *obj;
  if (const auto* data = obj->if_contains("data"))
    env.data = *data;
  if (const auto* meta = obj->if_contains("meta"); meta && meta->is_object())
    if (const auto* id = meta->get_object().if_contains("executionId"); id && id->is_string())
      env.execution_id = id->get_string();

  if (!env.success) {
    const auto* error = obj->if_contains("error");
    const auto* e = error ? error->if_object() : nullptr;
    if (!e)
      return errc::bad_envelope;
    const auto text = [&](std::string_view key) -> std::string {
      const auto* v = e->if_contains(key);
      return v && v->is_string() ? std::string(v->get_string()) : std::string{};
    };
    env.error.code = text("code");
    env.error.message = text("message");
    const auto* retryable = e->if_contains("retryable");
    env.error.retryable = retryable && retryable->is_bool() && retryable->get_bool();
    if (env.error.code.empty())
      env.error.code = "unknown_error";
  }
  return env;
}

json::object make_success_envelope(json::value data, std::string_view execution_id)
{
  json::object env{{"success", true}, {"data", std::move(data)}};
  if (!execution_id.empty())
    env["meta"] = json::object{{"executionId", execution_id}};
  return env;
}

json::object make_error_envelope(const api_error& error)
{
  return {{"success", false},
          {"error", json::object{{"code", error.code}, {"message", error.message}, {"retryable", error.retryable}}}};
}

} // namespace weshopd::weshop
