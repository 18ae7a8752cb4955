// The window of runs in flight toward WeShop: growth, shrink, bounds, one cut
// per storm round, and recovery. No clock: the window moves with outcomes.
#include "engine/concurrency_window.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace weshopd::engine;

namespace {

// Submits while the window has room and WeShop accepts (capacity `cap`,
// refusing beyond it), as one round of the engine: `in_flight` grows.
// Returns how many were refused.
int fill(concurrency_window& w, std::size_t& in_flight, std::size_t cap)
{
  int refused = 0;
  while (w.has_room(in_flight)) {
    const auto ticket = w.begin_submit();
    if (in_flight >= cap) {
      ++refused;
      w.on_refused(ticket, in_flight);
      break;
    }
    ++in_flight;
    w.on_accepted(ticket, in_flight);
  }
  return refused;
}

} // namespace

TEST(ConcurrencyWindow, SlowStartDoublesPerRoundUpToTheConfiguredMaximum)
{
  concurrency_window w({.max_running = 16, .initial = 4});
  EXPECT_EQ(w.limit(), 4u);
  for (int i = 0; i < 4; ++i)
    w.on_accepted(w.begin_submit(), 4); // four out, then their answers
  EXPECT_EQ(w.limit(), 8u); // +1 per accepted run: one round doubles it
  for (int i = 0; i < 50; ++i)
    w.on_accepted(w.begin_submit(), 16);
  EXPECT_EQ(w.limit(), 16u); // never above upstream.max_running_runs
  EXPECT_FALSE(w.has_room(16));
}

TEST(ConcurrencyWindow, AHalfUsedWindowDoesNotGrow)
{
  concurrency_window w({.initial = 10});
  for (int i = 0; i < 100; ++i)
    w.on_accepted(w.begin_submit(), 4); // an idle daemon: 4 of 10 in use
  EXPECT_EQ(w.limit(), 10u);
}

TEST(ConcurrencyWindow, ARefusalCutsToNinetyPercentOfWhatWasInFlight)
{
  concurrency_window w({.initial = 64});
  EXPECT_TRUE(w.on_refused(w.begin_submit(), 20)); // the account holds ~20: 64 was far too many
  EXPECT_EQ(w.limit(), 18u);
  EXPECT_FALSE(w.slow_start()); // from here on, additive
  for (int i = 0; i < 18; ++i)
    w.on_accepted(w.begin_submit(), 18);
  EXPECT_EQ(w.limit(), 18u); // +1 per window's worth of acceptances: 18 + 18/18.x < 19
  w.on_accepted(w.begin_submit(), 18);
  EXPECT_EQ(w.limit(), 19u);
  for (int i = 0; i < 20; ++i)
    w.on_accepted(w.begin_submit(), 19);
  EXPECT_EQ(w.limit(), 20u); // back where the refusals began: from here, a slow probe
  for (int i = 0; i < 20 * 32 - 40; ++i)
    w.on_accepted(w.begin_submit(), 20);
  EXPECT_EQ(w.limit(), 20u); // +1 per 32 windows' worth of acceptances
  for (int i = 0; i < 80; ++i)
    w.on_accepted(w.begin_submit(), 20);
  EXPECT_EQ(w.limit(), 21u);
}

TEST(ConcurrencyWindow, TheRefusalsOfOneBurstCutOnceNotN)
{
  concurrency_window w({.initial = 16});
  std::vector<std::uint64_t> burst;
  for (int i = 0; i < 16; ++i)
    burst.push_back(w.begin_submit()); // all out before any answer
  int cuts = 0;
  for (const auto ticket : burst)
    cuts += w.on_refused(ticket, 12) ? 1 : 0;
  EXPECT_EQ(cuts, 1);
  EXPECT_EQ(w.limit(), 10u);
  EXPECT_TRUE(w.on_refused(w.begin_submit(), 10)); // a submit sent after the cut may cut again
  EXPECT_EQ(w.limit(), 9u);
  EXPECT_EQ(w.cuts(), 2u);
}

TEST(ConcurrencyWindow, AcceptancesOfSubmitsSentBeforeACutDoNotGrowIt)
{
  concurrency_window w({.initial = 10});
  std::vector<std::uint64_t> early;
  for (int i = 0; i < 10; ++i)
    early.push_back(w.begin_submit());
  w.on_refused(w.begin_submit(), 10); // 9
  for (const auto ticket : early)
    w.on_accepted(ticket, 10);
  EXPECT_EQ(w.limit(), 9u);
  for (int i = 0; i < 10; ++i)
    w.on_accepted(w.begin_submit(), 9); // sent after the cut: real signs
  EXPECT_EQ(w.limit(), 10u);
}

TEST(ConcurrencyWindow, NeverBelowOneAndNotCutWhenNothingOfOursRuns)
{
  concurrency_window w({.initial = 8});
  for (std::size_t in_flight = 8; in_flight > 0; --in_flight)
    w.on_refused(w.begin_submit(), in_flight);
  EXPECT_EQ(w.limit(), 1u);
  EXPECT_TRUE(w.has_room(0));
  EXPECT_FALSE(w.on_refused(w.begin_submit(), 0));
  EXPECT_EQ(w.limit(), 1u);
}

TEST(ConcurrencyWindow, LearnsACapacityAndHoldsNearIt)
{
  concurrency_window w({.initial = 2});
  std::size_t in_flight = 0;
  int refused = 0;
  for (int round = 0; round < 200; ++round) {
    refused += fill(w, in_flight, 16);
    in_flight = 0; // every run of the round finishes
  }
  EXPECT_LE(w.limit(), 17u);
  EXPECT_GE(w.limit(), 14u);
  EXPECT_LT(refused, 200 / 2); // probes above 16 are refused, not every round
}

TEST(ConcurrencyWindow, RecoversQuicklyAfterAStorm)
{
  concurrency_window w({.max_running = 32, .initial = 32});
  std::size_t in_flight = 20;
  w.on_refused(w.begin_submit(), in_flight); // the storm begins at 20 in flight: 18
  for (in_flight = 12; in_flight > 0; in_flight -= 3)
    w.on_refused(w.begin_submit(), in_flight); // rounds of refusals while runs drain
  EXPECT_EQ(w.limit(), 2u);
  EXPECT_TRUE(w.slow_start());
  // Accepted again: slow start straight back to the storm's first cut, then additive.
  in_flight = 0;
  for (int round = 0; round < 5 && w.slow_start(); ++round) {
    fill(w, in_flight, 1000);
    in_flight = 0;
  }
  EXPECT_FALSE(w.slow_start());
  EXPECT_GE(w.limit(), 18u);
  EXPECT_LE(w.limit(), 19u);
}

// At a fixed capacity (16), each probe past it is a 429 and a pause of every
// submit: after learning it, the window stays there and probes once per
// probe_rounds rounds, not once a round.
TEST(ConcurrencyWindow, AtAKnownCapacityItProbesRarely)
{
  concurrency_window w({.initial = 2, .probe_rounds = 32});
  std::size_t in_flight = 0;
  int refused = 0;
  for (int round = 0; round < 50; ++round) { // learning: slow start, one storm
    refused += fill(w, in_flight, 16);
    in_flight = 0;
  }
  EXPECT_EQ(w.limit(), 16u);
  int probes = 0;
  for (int round = 0; round < 320; ++round) {
    probes += fill(w, in_flight, 16);
    in_flight = 0;
    EXPECT_GE(w.limit(), 14u);
  }
  EXPECT_GE(probes, 5);  // it still probes: the capacity may have grown
  EXPECT_LE(probes, 12); // about one per 32 rounds, not 320
}

TEST(ConcurrencyWindow, AGrownCapacityIsFoundByTheProbes)
{
  concurrency_window w({.initial = 2, .probe_rounds = 4});
  std::size_t in_flight = 0;
  for (int round = 0; round < 30; ++round) {
    fill(w, in_flight, 8);
    in_flight = 0;
  }
  EXPECT_LE(w.limit(), 9u);
  std::size_t highest = 0; // over the last 50 rounds (a probe's cut may have just happened)
  for (int round = 0; round < 200; ++round) { // the account now runs 12
    fill(w, in_flight, 12);
    in_flight = 0;
    if (round >= 150)
      highest = std::max(highest, w.limit());
  }
  EXPECT_GE(highest, 12u);
  EXPECT_LE(highest, 13u);
}

TEST(ConcurrencyWindow, ALoweredMaximumClampsAtOnce)
{
  concurrency_window w({.max_running = 0, .initial = 40});
  EXPECT_EQ(w.limit(), 40u);
  w.set_max_running(8);
  EXPECT_EQ(w.limit(), 8u);
  EXPECT_EQ(w.bound(), 8u);
  w.set_max_running(0);
  EXPECT_EQ(w.bound(), std::size_t{1} << 20); // learning: no bound in practice
  EXPECT_EQ(concurrency_window({.max_running = 3, .initial = 0}).limit(), 1u);
}
