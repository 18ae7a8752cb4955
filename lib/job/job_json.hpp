#pragma once
// The job resource as JSON (DESIGN.md): what GET /v1/jobs/{id} answers and what
// notifications carry. Pure: no I/O.

#include "job/job.hpp"
#include "weshop/violation.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <vector>

namespace weshopd {

boost::json::object to_json(const job& j);
// A time as the API writes it (RFC 3339), or null.
boost::json::value opt_time(const std::optional<timestamp>& t);
// A job's notification deliveries (in GET /v1/jobs/{id} under notify.deliveries).
boost::json::array to_json(const std::vector<delivery>& deliveries);
// A job's warnings: [{"pointer": "/params/customMaskUrl", "message": "..."}].
boost::json::array to_json(const weshop::violations& warnings);

// An amount of money (micro-units) as the API writes it: a number of units.
boost::json::value amount_json(std::int64_t micros);

// What a job costs: {"images", "imagesProduced", "unitPrice", "expected", "actual", "budgetDay"}.
boost::json::value cost_json(const job& j);

} // namespace weshopd
