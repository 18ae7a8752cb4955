#pragma once
// The job resource of the local API (DESIGN.md), and list cursors.

#include "job/job.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace weshopd::api {

boost::json::object to_json(const job& j);

// Opaque list cursors: they name the last job of a page.
std::string encode_cursor(const std::string& last_id);
std::optional<std::string> decode_cursor(std::string_view cursor);

} // namespace weshopd::api
