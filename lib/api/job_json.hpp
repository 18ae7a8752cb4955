#pragma once
// The job resource of the local API (DESIGN.md), and list cursors.

#include "job/job.hpp"
#include "weshop/violation.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace weshopd::api {

boost::json::object to_json(const job& j);
// A time as the API writes it (RFC 3339), or null.
boost::json::value opt_time(const std::optional<timestamp>& t);
// A job's notification deliveries (in GET /v1/jobs/{id} under notify.deliveries).
boost::json::array to_json(const std::vector<delivery>& deliveries);
// A job's warnings: [{"pointer": "/params/customMaskUrl", "message": "..."}].
boost::json::array to_json(const weshop::violations& warnings);

// Opaque list cursors: they name the last job of a page.
std::string encode_cursor(const std::string& last_id);
std::optional<std::string> decode_cursor(std::string_view cursor);

} // namespace weshopd::api
