#pragma once
// One result image of a job as weshopctl saves it: from weshopd when it kept
// a copy (localUrl), else from its WeShop URL over verified HTTPS (never with
// any credential), to public addresses unless the policy allows the network.
// Only image bytes count; a file is written whole or not at all.

#include "cli/local_client.hpp"
#include "http/address_policy.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace weshopd::cli {

struct fetched_image {
  std::string bytes;
  std::string_view type; // "image/png", ...
  std::string problem;   // empty when fetched
};

struct result_source {
  std::string ca_file;
  http::address_policy outbound{};
};

fetched_image fetch_result(local_client& api, const boost::json::object& result, const result_source& from);

// Writes PATH.part, then renames it to PATH.
bool write_whole(const std::filesystem::path& path, const std::string& bytes);

} // namespace weshopd::cli
