#include "sim_envelope.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace weshop_sim {
namespace json = boost::json;

json::object success_envelope(json::value data, std::string_view execution_id)
{
  json::object out{{"success", true}, {"data", std::move(data)}};
  if (!execution_id.empty())
    out["meta"] = json::object{{"executionId", execution_id}};
  return out;
}

json::object error_envelope(std::string_view code, std::string_view message, bool retryable)
{
  return {{"success", false},
          {"error", json::object{{"code", code}, {"message", message}, {"retryable", retryable}}}};
}

std::optional<json::value> parse_json_limited(std::string_view text)
{
  if (text.size() > max_json_bytes)
    return std::nullopt;
  json::parse_options options;
  options.max_depth = max_json_depth;
  boost::system::error_code ec;
  auto v = json::parse(text, ec, {}, options);
  if (ec)
    return std::nullopt;
  return v;
}

bool is_http_url(std::string_view text)
{
  const auto url = boost::urls::parse_absolute_uri(text);
  if (!url)
    return false;
  const auto scheme = url->scheme_id();
  return (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) && !url->encoded_host().empty();
}

} // namespace weshop_sim
