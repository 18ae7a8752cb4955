#include "engine/submit_policy.hpp"

namespace weshopd::engine {

submit_verdict judge_submit_failure(const upstream::upstream_error& e)
{
  using upstream::error_kind;
  switch (e.kind) {
  case error_kind::local: return submit_verdict::reject;
  case error_kind::transport: return e.maybe_sent ? submit_verdict::unknown : submit_verdict::retry;
  case error_kind::api:
    if (e.http_status == 429 || e.api.retryable)
      return submit_verdict::retry;
    return submit_verdict::reject;
  case error_kind::http_status:
    // 429 without an envelope still means "not now" before any work was done.
    return e.http_status == 429 ? submit_verdict::retry : submit_verdict::unknown;
  case error_kind::parse: return submit_verdict::unknown;
  }
  return submit_verdict::unknown;
}

resume_action resume_for(job_state state)
{
  switch (state) {
  case job_state::queued:
  case job_state::uploading: return resume_action::drive;
  case job_state::submitting: return resume_action::fail_outcome_unknown;
  case job_state::running: return resume_action::follow;
  default: return resume_action::none;
  }
}

} // namespace weshopd::engine
