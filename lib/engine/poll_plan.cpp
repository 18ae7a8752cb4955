#include "engine/poll_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace weshopd::engine {

namespace {

using std::chrono::milliseconds;

constexpr double finest_step_s = 0.05; // the grid: never finer than 50 ms,
constexpr std::size_t most_steps = 400; // nor more cells than this (a few ms of work per plan)

double seconds(milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }

// The estimate on a grid from the run's start (node 0) to the horizon (node n).
struct grid {
  double step = 0;
  std::size_t n = 0;
  std::size_t min_gap = 1, max_gap = 1; // between polls, in cells: the floor and the cap
  std::vector<double> ended;            // share of runs ended by node j
  std::vector<double> moment;           // their summed end times (s; cell midpoints)

  double at(std::size_t j) const { return static_cast<double>(j) * step; }
  // The lateness of the runs ending between polls at j and k, summed (s per run).
  double lag(std::size_t j, std::size_t k) const { return at(k) * (ended[k] - ended[j]) - (moment[k] - moment[j]); }
};

grid make_grid(const run_time_estimate& e, const poll_timing& t, milliseconds horizon)
{
  grid g;
  const double h = seconds(horizon);
  g.step = std::max(finest_step_s, h / static_cast<double>(most_steps));
  g.n = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(h / g.step)));
  g.min_gap = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(seconds(t.initial) / g.step - 1e-9)));
  g.max_gap = std::max(g.min_gap, static_cast<std::size_t>(std::floor(seconds(t.cap) / g.step + 1e-9)));
  g.ended.resize(g.n + 1);
  g.moment.resize(g.n + 1);
  for (std::size_t j = 0; j <= g.n; ++j) {
    g.ended[j] = e.share_below(milliseconds(std::llround(g.at(j) * 1000)));
    if (j > 0)
      g.moment[j] = g.moment[j - 1] + (g.at(j) - g.step / 2) * (g.ended[j] - g.ended[j - 1]);
  }
  return g;
}

struct path {
  double polls = 0;               // expected per run
  std::vector<std::size_t> nodes; // the polls, in order
};

// The schedule minimising polls + price x lag (a shortest path, backwards).
path cheapest(const grid& g, double price)
{
  const auto none = std::numeric_limits<std::size_t>::max();
  std::vector<double> value(g.n + 1, 0), polls(g.n + 1, 0);
  std::vector<std::size_t> next(g.n + 1, none);
  for (std::size_t j = g.n + 1; j-- > 0;) {
    const double still_going = 1 - g.ended[j];
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t k = j + g.min_gap; k <= std::min(g.n, j + g.max_gap); ++k) {
      const double v = still_going + price * g.lag(j, k) + value[k];
      if (v < best) {
        best = v;
        next[j] = k;
      }
    }
    if (next[j] == none)
      continue; // too close to the horizon for another poll: the plan ends here
    value[j] = best;
    polls[j] = still_going + polls[next[j]];
  }
  path p{polls[0], {}};
  for (auto j = next[0]; j != none; j = next[j])
    p.nodes.push_back(j);
  return p;
}

// Today's back-off (without jitter) up to the horizon, on the same estimate.
double todays_polls(const run_time_estimate& e, poll_timing t, milliseconds horizon)
{
  t.safety_poll.reset();
  poll_counts counts;
  double polls = 0;
  milliseconds previous{0};
  for (auto at = t.initial; at <= horizon; at += poll_delay(t, counts, true, 0.5)) {
    polls += 1 - e.share_below(previous);
    previous = at;
  }
  return polls;
}

} // namespace

poll_plan plan_polls(const run_time_estimate& e, const poll_timing& t)
{
  const auto horizon = e.quantile(0.99);
  if (!horizon)
    return {};
  const auto g = make_grid(e, t, std::max(*horizon, t.initial));
  const double budget = todays_polls(e, t, std::max(*horizon, t.initial));
  // Polls grow with the price; bisect (in log space) for the dearest that fits.
  double cheap = 1e-4, dear = 1e4;
  path best = cheapest(g, cheap);
  if (const auto densest = cheapest(g, dear); densest.polls <= budget) {
    best = densest;
  } else {
    for (int i = 0; i < 24 && best.polls <= budget; ++i) {
      const double mid = std::sqrt(cheap * dear);
      auto p = cheapest(g, mid);
      if (p.polls <= budget) {
        cheap = mid;
        best = std::move(p);
      } else {
        dear = mid;
      }
    }
  }
  poll_plan plan;
  for (const auto j : best.nodes)
    plan.at.push_back(milliseconds(std::llround(g.at(j) * 1000)));
  return plan;
}

} // namespace weshopd::engine
