#include "cli/submit_request.hpp"

#include <boost/json/parse.hpp>

#include <filesystem>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

// A URL as it is; a local file's absolute path (the daemon's working
// directory is not ours); nullopt for a path that is no file.
std::optional<std::string> image_reference(const std::string& text)
{
  if (text.find("://") != std::string::npos)
    return text;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(text, ec))
    return std::nullopt;
  return std::filesystem::absolute(text, ec).lexically_normal().string();
}

json::value param_value(const std::string& text)
{
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (!ec)
    return v;
  return json::value(text);
}

} // namespace

std::variant<json::object, std::string> params_object(const std::vector<std::string>& params)
{
  json::object out;
  for (const auto& kv : params) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--param needs NAME=VALUE, not \"" + kv + "\"";
    out[kv.substr(0, eq)] = param_value(kv.substr(eq + 1));
  }
  return out;
}

std::variant<json::object, std::string> submit_body(const submit_args& args)
{
  json::object input;
  if (!args.image.empty()) {
    const auto image = image_reference(args.image);
    if (!image)
      return "--image: no such file: " + args.image;
    input["originalImage"] = *image;
  }
  for (const auto& kv : args.inputs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--input needs NAME=VALUE, not \"" + kv + "\"";
    const auto value = kv.substr(eq + 1);
    // An input that names an existing file is a local image; anything else is sent as given.
    input[kv.substr(0, eq)] = image_reference(value).value_or(value);
  }
  if (!args.task.empty())
    input["taskName"] = args.task;
  auto params = params_object(args.params);
  if (params.index() == 1)
    return std::get<1>(params);
  return json::object{{"agent", json::object{{"name", args.agent}, {"version", args.version}}},
                      {"input", std::move(input)},
                      {"params", std::move(std::get<0>(params))}};
}

} // namespace weshopd::cli
