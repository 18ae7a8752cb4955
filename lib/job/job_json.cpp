#include "job/job_json.hpp"

#include "budget/budget_policy.hpp"

#include <boost/json.hpp>

namespace weshopd {
namespace json = boost::json;

// Micro-units are exact in a double up to 2^53.
json::value amount_json(std::int64_t micros)
{
  return static_cast<double>(micros) / static_cast<double>(budget::one_unit);
}

json::value opt_time(const std::optional<timestamp>& t)
{
  return t ? json::value(to_rfc3339(*t)) : json::value();
}

json::object to_json(const job& j)
{
  const auto opt_text = [](const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(); };
  json::value error;
  if (j.error)
    error = json::object{{"code", j.error->code}, {"message", j.error->message}, {"retryable", j.error->retryable}};
  return {{"id", j.id},
          {"state", to_string(j.state)},
          {"agent", json::object{{"name", j.agent}, {"version", j.agent_version}}},
          {"input", j.input},
          {"params", j.params},
          {"upstream", json::object{{"executionId", opt_text(j.execution_id)}, {"status", opt_text(j.upstream_status)}}},
          {"results", j.results},
          {"error", std::move(error)},
          {"attempts", j.attempts},
          {"createdAt", to_rfc3339(j.created_at)},
          {"updatedAt", to_rfc3339(j.updated_at)},
          {"finishedAt", opt_time(j.finished_at)},
          {"retryOf", opt_text(j.retry_of)},
          {"token", opt_text(j.token_name)},
          {"cost", cost_json(j)},
          {"reason", j.held ? json::value("budget_exhausted") : json::value()},
          {"warnings", j.warnings},
          {"batchId", opt_text(j.batch_id)},
          {"batchIndex", j.batch_id ? json::value(j.batch_index) : json::value()},
          {"itemName", opt_text(j.item_name)},
          {"priority", j.priority},
          {"expectedFinishAt", j.state == job_state::running ? opt_time(j.expected_finish_at) : boost::json::value()},
          {"notify", j.notify_url ? json::value(json::object{{"url", *j.notify_url},
                                                             {"events", j.notify_all ? "all" : "terminal"}})
                                  : json::value()}};
}

json::array to_json(const weshop::violations& warnings)
{
  json::array out;
  for (const auto& w : warnings)
    out.push_back(json::object{{"pointer", w.pointer}, {"message", w.message}});
  return out;
}

json::array to_json(const std::vector<delivery>& deliveries)
{
  json::array out;
  for (const auto& d : deliveries)
    out.push_back(json::object{{"event", d.event_id},
                               {"eventState", to_string(d.event_state)},
                               {"state", to_string(d.state)},
                               {"attempts", d.attempts},
                               {"lastStatus", d.last_status ? json::value(*d.last_status) : json::value()},
                               {"lastError", d.last_error ? json::value(*d.last_error) : json::value()},
                               {"nextAttemptAt", opt_time(d.next_attempt_at)},
                               {"deliveredAt", opt_time(d.delivered_at)}});
  return out;
}

json::value cost_json(const job& j)
{
  json::object o{{"images", j.images}, {"unitPrice", amount_json(j.unit_price)}, {"expected", amount_json(j.images * j.unit_price)}};
  o["imagesProduced"] = j.images_actual ? json::value(*j.images_actual) : json::value(nullptr);
  o["actual"] = j.images_actual ? amount_json(*j.images_actual * j.unit_price) : json::value(nullptr);
  o["budgetDay"] = j.budget_window ? json::value(*j.budget_window) : json::value(nullptr);
  return o;
}

} // namespace weshopd
