#pragma once
// The body and Idempotency-Key of `weshopctl batch submit AGENT PATHS|DIR`
// (no I/O but reading the local files named):
// - a directory means the images directly in it (not below), by extension
//   (.png .jpg .jpeg .webp, any case) and then by their magic bytes, sorted by
//   name so the items' order does not depend on the file system;
// - each image is an item {input: {originalImage: "<absolute path>"}} (weshopd
//   reads it from its uploads.roots);
// - the key is a digest of the agent, its version, the params (canonical
//   JSON) and each file's SHA-256 in order: the same command over the same
//   bytes makes one batch, however often it is run.

#include <boost/json/object.hpp>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace weshopd::cli {

struct batch_args {
  std::string agent;
  std::string version = "v1.0";
  std::vector<std::string> params; // NAME=VALUE, VALUE as JSON when it parses
  std::vector<std::string> paths;  // files, or one or more directories
};

struct batch_request {
  boost::json::object body;
  std::string idempotency_key;
  std::size_t items = 0;
};

// The images directly in `dir`, sorted by name (absolute paths).
std::vector<std::filesystem::path> images_in(const std::filesystem::path& dir);

// "batch-" + a hex digest of the agent, version, canonical params and the
// files' SHA-256s in item order.
std::string batch_key(const std::string& agent, const std::string& version, const boost::json::object& params,
                      const std::vector<std::string>& file_sha256s);

// The request, or what is wrong with the arguments.
std::variant<batch_request, std::string> batch_submit_request(const batch_args& args);

} // namespace weshopd::cli
