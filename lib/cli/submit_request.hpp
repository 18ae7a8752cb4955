#pragma once
// The body of POST /v1/jobs from weshopctl's arguments (no I/O but looking
// at the local file system for --image):
//   --image PATH|URL      input.originalImage; a local path is made absolute
//                         (weshopd uploads it; it must lie under uploads.roots)
//   --input NAME=VALUE    any other input (e.g. fashionModelImage)
//   --param NAME=VALUE    a param; VALUE is JSON when it parses as JSON (3,
//                         true, [1,2]), else a string
//   --task NAME           input.taskName

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace weshopd::cli {

struct submit_args {
  std::string agent;
  std::string version = "v1.0";
  std::string image;
  std::vector<std::string> inputs;
  std::vector<std::string> params;
  std::string task;
};

// --param NAME=VALUE arguments as a params object, or what is wrong with one.
std::variant<boost::json::object, std::string> params_object(const std::vector<std::string>& params);

// The request body, or what is wrong with the arguments.
std::variant<boost::json::object, std::string> submit_body(const submit_args& args);

} // namespace weshopd::cli
