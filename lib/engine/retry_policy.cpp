#include "engine/retry_policy.hpp"

#include "common/backoff.hpp"

namespace weshopd::engine {

retry_plan plan_retry(timestamp now, std::optional<timestamp> deadline, int attempts_before,
                      std::chrono::milliseconds initial, std::chrono::milliseconds cap, double unit,
                      std::optional<std::chrono::seconds> retry_after)
{
  retry_plan plan;
  plan.attempts = attempts_before + 1;
  plan.at = now + backoff(plan.attempts - 1, initial, cap, unit, retry_after);
  plan.give_up = deadline && plan.at >= *deadline;
  return plan;
}

bool upload_refused(const upstream::upstream_error& e)
{
  return e.kind == upstream::error_kind::local ||
         (e.kind == upstream::error_kind::api && !e.api.retryable && e.http_status != 429);
}

job_error upstream_job_error(const upstream::upstream_error& e, bool retryable)
{
  std::string code;
  switch (e.kind) {
  case upstream::error_kind::api: code = e.api.code; break;
  case upstream::error_kind::transport: code = "upstream_unreachable"; break;
  case upstream::error_kind::http_status: code = "upstream_http_" + std::to_string(e.http_status); break;
  case upstream::error_kind::parse: code = "upstream_bad_response"; break;
  case upstream::error_kind::local: code = "input_unreadable"; break;
  }
  return {code, e.message, retryable};
}

} // namespace weshopd::engine
