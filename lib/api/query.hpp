#pragma once
// Query parameters of the local API, read and checked one way everywhere.

#include "http/message.hpp"
#include "job/job_state.hpp"
#include "weshop/violation.hpp"

#include <optional>
#include <string>

namespace weshopd::api {

// An integer parameter within [min, max]; nullopt when absent; `bad` says why when it is not.
std::optional<long> int_param(const http::incoming& req, const std::string& name, long min, long max, std::string& bad);

// The `state` and `agent` filters of the list and event routes; unknown
// values are violations (a typo must not silently match nothing).
struct job_filters {
  std::optional<job_state> state;
  std::optional<std::string> agent;
  std::optional<std::string> batch; // GET /v1/jobs?batch=ID: a batch's items
};
job_filters read_job_filters(const http::incoming& req, weshop::violations& problems);

} // namespace weshopd::api
