#include "job/batch_json.hpp"

#include "job/job_json.hpp"

#include <boost/json.hpp>

namespace weshopd {
namespace json = boost::json;

namespace {

json::value opt_text(const std::optional<std::string>& s)
{
  return s ? json::value(*s) : json::value();
}

} // namespace

json::object counts_json(const batch& b)
{
  json::object counts;
  for (auto s : all_job_states)
    counts[to_string(s)] = b.count(s);
  return counts;
}

json::object to_json(const batch& b)
{
  return {{"id", b.id},
          {"state", to_string(batch_state_of(b))},
          {"agent", json::object{{"name", b.agent}, {"version", b.agent_version}}},
          {"params", b.params},
          {"items", b.items},
          {"counts", counts_json(b)},
          {"finished", b.finished()},
          {"images", json::object{{"requested", b.images}, {"produced", b.images_produced}}},
          {"cost", json::object{{"expected", amount_json(b.cost)}, {"actual", amount_json(b.spent)}}},
          {"reason", b.held ? json::value("budget_exhausted") : json::value()},
          {"cancelRequested", b.cancel_requested},
          {"retryOf", opt_text(b.retry_of)},
          {"priority", b.priority},
          {"token", opt_text(b.token_name)},
          {"notify", b.notify_url ? json::value(json::object{{"url", *b.notify_url},
                                                             {"events", b.notify_all ? "all" : "terminal"}})
                                  : json::value()},
          {"createdAt", to_rfc3339(b.created_at)},
          {"updatedAt", to_rfc3339(b.updated_at)},
          {"startedAt", opt_time(b.started_at)},
          {"finishedAt", opt_time(b.finished_at)}};
}

} // namespace weshopd
