#pragma once
// The rules that keep "at most one run per job". Pure.
//
// What to do when POST /runs fails:
//   retry    - provably no run exists: the request never left (transport
//              failure before the first byte), or WeShop answered 429 or an
//              error envelope with retryable:true (success:false means no run)
//   reject   - WeShop refused with a non-retryable error envelope: no run
//   unknown  - the request may have reached WeShop and we cannot tell whether
//              a run exists (reset after sending, 5xx without envelope,
//              garbled answer): never retried, the job fails with
//              submit_outcome_unknown
//
// What a job found unfinished (at start, or taken over from a daemon that
// died) needs: one caught in `submitting` may have a run, so it is never
// submitted again (failed/submit_outcome_unknown).

#include "common/backoff.hpp"
#include "job/job.hpp"
#include "upstream/weshop_client.hpp"

namespace weshopd::engine {

enum class submit_verdict { retry, reject, unknown };

submit_verdict judge_submit_failure(const upstream::upstream_error& e);

enum class resume_action {
  drive,                // queued/uploading: no run can exist yet; intake goes on
  fail_outcome_unknown, // submitting: a run may exist; never sent again
  follow,               // running: poll the run
  none,                 // finished
};

resume_action resume_for(job_state state);

} // namespace weshopd::engine
