#pragma once
// What to do when POST /runs fails: the rule that keeps "at most one run per
// job". Pure.
//
//   retry    - provably no run exists: the request never left (transport
//              failure before the first byte), or WeShop answered 429 or an
//              error envelope with retryable:true (success:false means no run)
//   reject   - WeShop refused with a non-retryable error envelope: no run
//   unknown  - the request may have reached WeShop and we cannot tell whether
//              a run exists (reset after sending, 5xx without envelope,
//              garbled answer): never retried, the job fails with
//              submit_outcome_unknown

#include "common/backoff.hpp"
#include "upstream/weshop_client.hpp"

namespace weshopd::engine {

enum class submit_verdict { retry, reject, unknown };

submit_verdict judge_submit_failure(const upstream::upstream_error& e);


} // namespace weshopd::engine
