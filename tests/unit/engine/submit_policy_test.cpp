// At most one run per job: a submit whose outcome is unknown is never sent
// again, neither after a failed POST nor after a restart.
#include "engine/submit_policy.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using upstream::error_kind;

namespace {

upstream::upstream_error failure(error_kind kind, bool maybe_sent, unsigned status = 0, bool retryable = false)
{
  upstream::upstream_error e;
  e.kind = kind;
  e.maybe_sent = maybe_sent;
  e.http_status = status;
  e.api.retryable = retryable;
  return e;
}

} // namespace

TEST(JudgeSubmitFailure, RetriedOnlyWhenNoRunCanExist)
{
  EXPECT_EQ(judge_submit_failure(failure(error_kind::transport, false)), submit_verdict::retry); // never left
  EXPECT_EQ(judge_submit_failure(failure(error_kind::api, true, 200, true)), submit_verdict::retry);
  EXPECT_EQ(judge_submit_failure(failure(error_kind::api, true, 429)), submit_verdict::retry);
  EXPECT_EQ(judge_submit_failure(failure(error_kind::http_status, true, 429)), submit_verdict::retry);
}

TEST(JudgeSubmitFailure, ARefusalIsFinal)
{
  EXPECT_EQ(judge_submit_failure(failure(error_kind::api, true, 400)), submit_verdict::reject);
  EXPECT_EQ(judge_submit_failure(failure(error_kind::local, false)), submit_verdict::reject);
}

TEST(JudgeSubmitFailure, AnythingThatMayHaveReachedWeShopIsUnknownAndNeverResent)
{
  EXPECT_EQ(judge_submit_failure(failure(error_kind::transport, true)), submit_verdict::unknown); // reset after sending
  for (unsigned status : {500u, 502u, 503u, 504u, 200u})
    EXPECT_EQ(judge_submit_failure(failure(error_kind::http_status, true, status)), submit_verdict::unknown) << status;
  EXPECT_EQ(judge_submit_failure(failure(error_kind::parse, true, 200)), submit_verdict::unknown); // garbled answer
}

TEST(ResumeFor, AJobCaughtSubmittingIsNeverSubmittedAgain)
{
  EXPECT_EQ(resume_for(job_state::submitting), resume_action::fail_outcome_unknown);
  EXPECT_EQ(resume_for(job_state::queued), resume_action::drive);
  EXPECT_EQ(resume_for(job_state::uploading), resume_action::drive);
  EXPECT_EQ(resume_for(job_state::running), resume_action::follow);
  for (auto s : {job_state::succeeded, job_state::failed, job_state::canceled})
    EXPECT_EQ(resume_for(s), resume_action::none) << to_string(s);
  // Only states before `submitting` (no run can exist) go back to intake.
  for (auto s : all_job_states) {
    if (resume_for(s) == resume_action::drive) {
      EXPECT_TRUE(s == job_state::queued || s == job_state::uploading) << to_string(s);
    }
  }
}
