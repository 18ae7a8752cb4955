#pragma once
// The local API's answers about money: the 429 of a job over budget, and
// GET /v1/usage (its query and its JSON).

#include "budget/budget_policy.hpp"
#include "http/message.hpp"
#include "store/job_store.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <variant>

namespace weshopd::api {

// 429 budget_exceeded: which limits have too little left, and when the window
// resets (error.resetAt, and Retry-After in seconds).
http::outgoing over_budget_response(const budget::budget_policy& policy, const budget::admission& admission,
                                    budget::micros cost, const std::map<std::string, std::int64_t>& used,
                                    timestamp now);

struct usage_query {
  std::string from; // budget days, "YYYY-MM-DD", inclusive
  std::string to;
  store::usage_group group = store::usage_group::day;
};

// from and to default to `today`; a bad value is a 422.
std::variant<usage_query, http::outgoing> read_usage_query(const http::incoming& req, const std::string& today);

boost::json::value usage_json(const usage_query& q, const std::vector<store::usage_row>& rows, const std::string& currency);

} // namespace weshopd::api
