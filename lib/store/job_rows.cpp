#include "store/job_rows.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace weshopd::store {

// The jobs still kept, and what retention rolled up of the purged ones
// (usage_purged, migration 0010 / postgres 0008), summed together: a purge
// leaves every day's usage as it was.
std::string usage_query(usage_group group, std::string_view from, std::string_view to, std::string_view token)
{
  const std::string key = group == usage_group::agent ? "agent"
                          : group == usage_group::day ? "budget_window"
                                                      : "token_name";
  const std::string window = " budget_window >= " + std::string(from) + " AND budget_window <= " + std::string(to) +
                             (token.empty() ? std::string() : " AND token_name = " + std::string(token));
  return "SELECT " + key + ", CAST(sum(jobs) AS bigint), CAST(sum(images_requested) AS bigint),"
         " CAST(sum(images_produced) AS bigint), CAST(sum(spend) AS bigint) FROM ("
         "SELECT agent, budget_window, coalesce(token_name, '') AS token_name, 1 AS jobs, images AS images_requested,"
         " CASE WHEN state = 'succeeded' THEN coalesce(images_actual, images) ELSE coalesce(images_actual, 0) END"
         " AS images_produced, " + std::string(spend_expression) + " AS spend"
         " FROM jobs WHERE budget_window IS NOT NULL AND" + window +
         " UNION ALL SELECT agent, budget_window, token_name, jobs, images_requested, images_produced, spend"
         " FROM usage_purged WHERE" + window + ") u GROUP BY 1 ORDER BY 1";
}

std::optional<std::string> warnings_column(const boost::json::array& warnings)
{
  if (warnings.empty())
    return std::nullopt;
  return boost::json::serialize(warnings);
}

patch_columns columns_of(const job_patch& patch)
{
  patch_columns c;
  if (patch.input)
    c.input = boost::json::serialize(*patch.input);
  if (patch.results)
    c.results = boost::json::serialize(*patch.results);
  if (patch.next_attempt_at && *patch.next_attempt_at)
    c.next_attempt_at = to_unix_ms(**patch.next_attempt_at);
  if (patch.expected_finish_at && *patch.expected_finish_at)
    c.expected_finish_at = to_unix_ms(**patch.expected_finish_at);
  return c;
}

void link_copies(boost::json::array& results, const std::string& job_id, const std::vector<result_file>& files)
{
  for (const auto& f : files)
    if (f.n >= 0 && static_cast<std::size_t>(f.n) < results.size() && results[f.n].is_object()) {
      auto& item = results[f.n].as_object();
      item["localUrl"] = "/v1/jobs/" + job_id + "/results/" + std::to_string(f.n);
      item["sha256"] = f.sha256;
      item["bytes"] = f.bytes;
    }
}

void unlink_copies(boost::json::array& results)
{
  for (auto& item : results)
    if (auto* o = item.if_object()) {
      o->erase("localUrl");
      o->erase("sha256");
      o->erase("bytes");
    }
}

job_state state_of(const std::string& text)
{
  const auto s = parse_job_state(text);
  if (!s)
    throw std::runtime_error("unknown job state in database: " + text);
  return *s;
}

} // namespace weshopd::store
