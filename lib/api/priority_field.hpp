#pragma once
// The `priority` member of POST /v1/jobs and POST /v1/batches: weshopd's own
// addition, never sent upstream. "high" | "normal" | "low" (default normal):
// a job's place within its token's share of the submit queue (#23).

#include "weshop/violation.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace weshopd::api {

// Takes the member out of `body` (an object): its word, "normal" when absent
// or null; a bad one adds a violation at /priority.
std::string take_priority(boost::json::value& body, weshop::violations& problems);

} // namespace weshopd::api
