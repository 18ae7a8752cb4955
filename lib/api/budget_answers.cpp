#include "api/budget_answers.hpp"

#include "api/errors.hpp"

#include <boost/json.hpp>

#include <regex>

namespace weshopd::api {

namespace json = boost::json;

namespace {

// An amount as a JSON number (micro-units are exact in a double up to 2^53).
json::value amount(budget::micros m)
{
  return static_cast<double>(m) / static_cast<double>(budget::one_unit);
}

bool is_day(const std::string& text)
{
  static const std::regex day(R"(\d{4}-\d{2}-\d{2})");
  return std::regex_match(text, day);
}

} // namespace

http::outgoing over_budget_response(const budget::budget_policy& policy, const budget::admission& admission,
                                    budget::micros cost, const std::map<std::string, std::int64_t>& used,
                                    timestamp now)
{
  const auto& currency = policy.options().currency;
  weshop::violations details;
  for (const auto& l : admission.limits) {
    const auto it = used.find(l.scope);
    const auto spent = it == used.end() ? 0 : it->second;
    if (spent + cost > l.limit)
      details.push_back({"/budget/" + l.scope, "has " + budget::format_amount(std::max<budget::micros>(l.limit - spent, 0)) +
                                                 " " + currency + " left of " + budget::format_amount(l.limit) +
                                                 "; this job costs " + budget::format_amount(cost)});
  }
  const auto reset = policy.window_end(now);
  auto out = error_response(429, "budget_exceeded",
                            "this job would exceed the budget of window " + admission.window + "; it resets at " +
                              to_rfc3339(reset),
                            details, json::object{{"resetAt", to_rfc3339(reset)}});
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(reset - now).count();
  out.headers.push_back({"Retry-After", std::to_string(std::max<std::int64_t>(seconds, 1))});
  return out;
}

std::variant<usage_query, http::outgoing> read_usage_query(const http::incoming& req, const std::string& today)
{
  usage_query q{today, today, store::usage_group::day};
  weshop::violations problems;
  const auto take = [&](const char* name, std::string& into) {
    if (const auto it = req.query.find(name); it != req.query.end()) {
      if (is_day(it->second))
        into = it->second;
      else
        problems.push_back({std::string("/query/") + name, "must be a budget day, YYYY-MM-DD"});
    }
  };
  take("from", q.from);
  take("to", q.to);
  if (const auto it = req.query.find("group"); it != req.query.end()) {
    if (it->second == "agent")
      q.group = store::usage_group::agent;
    else if (it->second == "token")
      q.group = store::usage_group::token;
    else if (it->second != "day")
      problems.push_back({"/query/group", "must be agent, day or token"});
  }
  if (problems.empty() && q.to < q.from)
    problems.push_back({"/query/to", "must not be before from"});
  if (!problems.empty())
    return error_response(422, "validation_failed", "the usage query breaks " + std::to_string(problems.size()) +
                                                      " rule(s); see details", problems);
  return q;
}

json::value usage_json(const usage_query& q, const std::vector<store::usage_row>& rows, const std::string& currency)
{
  const char* group = q.group == store::usage_group::agent ? "agent" : q.group == store::usage_group::day ? "day" : "token";
  json::array out;
  store::usage_row total{"total"};
  for (const auto& r : rows) {
    out.push_back(json::object{{group, r.key},
                               {"jobs", r.jobs},
                               {"imagesRequested", r.images_requested},
                               {"imagesProduced", r.images_produced},
                               {"spend", amount(r.spend)}});
    total.jobs += r.jobs;
    total.images_requested += r.images_requested;
    total.images_produced += r.images_produced;
    total.spend += r.spend;
  }
  return json::object{{"from", q.from},
                      {"to", q.to},
                      {"group", group},
                      {"currency", currency},
                      {"rows", std::move(out)},
                      {"total", json::object{{"jobs", total.jobs},
                                             {"imagesRequested", total.images_requested},
                                             {"imagesProduced", total.images_produced},
                                             {"spend", amount(total.spend)}}}};
}

} // namespace weshopd::api
