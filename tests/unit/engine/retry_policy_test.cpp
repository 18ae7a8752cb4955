// Retry or give up against the job's deadline; what counts as a refused upload.
#include "engine/retry_policy.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::engine;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'800'000'000'000);
constexpr double no_jitter = 0.5;

upstream::upstream_error api_error(bool retryable, unsigned status = 200)
{
  upstream::upstream_error e;
  e.kind = upstream::error_kind::api;
  e.maybe_sent = true;
  e.http_status = status;
  e.api.code = "X";
  e.api.retryable = retryable;
  return e;
}

} // namespace

TEST(PlanRetry, BacksOffToTheCapForAsLongAsTheDeadlineAllows)
{
  const auto deadline = t0 + 30min;
  std::vector<std::chrono::milliseconds> waits;
  for (int attempts = 0; attempts < 8; ++attempts) {
    const auto plan = plan_retry(t0, deadline, attempts, 1s, 60s, no_jitter);
    EXPECT_FALSE(plan.give_up);
    EXPECT_EQ(plan.attempts, attempts + 1);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(plan.at - t0));
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s}));
}

TEST(PlanRetry, GivesUpWhenTheNextTryWouldBeAtOrPastTheDeadline)
{
  EXPECT_FALSE(plan_retry(t0, t0 + 1001ms, 0, 1s, 60s, no_jitter).give_up);
  EXPECT_TRUE(plan_retry(t0, t0 + 1000ms, 0, 1s, 60s, no_jitter).give_up);
  EXPECT_TRUE(plan_retry(t0, t0 + 59s, 10, 1s, 60s, no_jitter).give_up);
  EXPECT_TRUE(plan_retry(t0, t0 - 1s, 0, 1s, 60s, no_jitter).give_up); // already past it
}

TEST(PlanRetry, WithoutADeadlineNeverGivesUp)
{
  EXPECT_FALSE(plan_retry(t0, std::nullopt, 1000, 1s, 60s, no_jitter).give_up);
}

TEST(PlanRetry, RetryAfterIsHonouredAndCanPushPastTheDeadline)
{
  const auto plan = plan_retry(t0, t0 + 10min, 0, 1s, 60s, no_jitter, std::chrono::seconds(120));
  EXPECT_EQ(plan.at, t0 + 120s);
  EXPECT_FALSE(plan.give_up);
  EXPECT_TRUE(plan_retry(t0, t0 + 100s, 0, 1s, 60s, no_jitter, std::chrono::seconds(120)).give_up);
}

TEST(UploadRefused, OnlyADefiniteRefusal)
{
  upstream::upstream_error local;
  local.kind = upstream::error_kind::local;
  EXPECT_TRUE(upload_refused(local));
  EXPECT_TRUE(upload_refused(api_error(false)));
  EXPECT_FALSE(upload_refused(api_error(true)));
  EXPECT_FALSE(upload_refused(api_error(false, 429)));
  upstream::upstream_error other;
  for (auto kind : {upstream::error_kind::transport, upstream::error_kind::http_status, upstream::error_kind::parse}) {
    other.kind = kind;
    EXPECT_FALSE(upload_refused(other));
  }
}

TEST(UpstreamJobError, NamesTheKindOfFailure)
{
  upstream::upstream_error e;
  e.message = "m";
  e.kind = upstream::error_kind::transport;
  EXPECT_EQ(upstream_job_error(e, true), (job_error{"upstream_unreachable", "m", true}));
  e.kind = upstream::error_kind::http_status;
  e.http_status = 502;
  EXPECT_EQ(upstream_job_error(e, false).code, "upstream_http_502");
  e.kind = upstream::error_kind::parse;
  EXPECT_EQ(upstream_job_error(e, false).code, "upstream_bad_response");
  e.kind = upstream::error_kind::local;
  EXPECT_EQ(upstream_job_error(e, false).code, "input_unreadable");
  EXPECT_EQ(upstream_job_error(api_error(false), false).code, "X");
}
