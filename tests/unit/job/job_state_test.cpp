#include "job/job_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

using namespace weshopd;
using enum weshopd::job_state;

TEST(JobState, NamesRoundTrip)
{
  for (auto s : all_job_states)
    EXPECT_EQ(parse_job_state(to_string(s)), s);
  EXPECT_FALSE(parse_job_state("Running"));
  EXPECT_FALSE(parse_job_state(""));
}

TEST(JobState, ExactlyTheLifecycleEdges)
{
  const std::set<std::pair<job_state, job_state>> legal{
    {queued, uploading},     {queued, submitting},   {queued, failed},       {queued, canceled},
    {uploading, submitting}, {uploading, queued},    {uploading, failed},    {uploading, canceled},
    {submitting, running},   {submitting, queued},   {submitting, failed},   {submitting, canceled},
    {running, succeeded},    {running, failed},      {running, canceled},    {failed, queued},
  };
  for (auto from : all_job_states)
    for (auto to : all_job_states)
      EXPECT_EQ(can_transition(from, to), legal.contains({from, to}))
        << to_string(from) << " -> " << to_string(to);
}

TEST(JobState, TerminalStatesOnlyLeaveByExplicitRetry)
{
  EXPECT_FALSE(can_transition(succeeded, running));
  EXPECT_FALSE(can_transition(canceled, queued));
  EXPECT_FALSE(can_transition(running, submitting)); // never re-submit a run that exists
  EXPECT_TRUE(is_terminal(succeeded) && is_terminal(failed) && is_terminal(canceled));
  EXPECT_FALSE(is_terminal(running));
}
