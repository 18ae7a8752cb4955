#pragma once
// How long weshop-sim's runs take: by default every run moves through the
// fixed phases (--pending-ms, --segmenting-ms, --running-ms); with
// --duration-lognormal AGENT=MEDIAN_MS:SIGMA (and "*" for the agents not
// named) a run's total time is drawn from a log-normal with that median and
// spread, and split across the phases in the fixed phases' proportions. Real
// generations take that shape: most near a typical time, a long tail of slow
// ones (what a client's polling has to meet, issue #24). Without I/O; the
// random engine is a parameter, so a seed repeats the same durations.

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace weshop_sim {

struct timing {
  std::chrono::milliseconds pending{50};
  std::chrono::milliseconds segmenting{50};
  std::chrono::milliseconds running{100};
  std::chrono::milliseconds total() const { return pending + segmenting + running; }
};

struct lognormal_duration {
  std::chrono::milliseconds median{20000};
  double sigma = 0.6; // of the log; 0: always the median
  bool operator==(const lognormal_duration&) const = default;
};

// The longest run a draw gives: far past any tail, and keeps the clock arithmetic small.
inline constexpr std::chrono::milliseconds longest_drawn_run = std::chrono::hours(24);

// median·e^(sigma·Z), Z standard normal, in whole ms: at least 1, at most longest_drawn_run.
std::chrono::milliseconds draw_duration(const lognormal_duration& d, std::mt19937_64& rng);
// `base`'s phases scaled to sum to `total` (all of it Running when `base` sums to 0).
timing split_like(const timing& base, std::chrono::milliseconds total);

// "AGENT=MEDIAN_MS:SIGMA" ("*=…" the default) into agent and distribution;
// none, with `error` set, when it is not that (median ≥ 1 ms, 0 ≤ sigma ≤ 5).
struct agent_duration {
  std::string agent;
  lognormal_duration duration;
};
std::optional<agent_duration> parse_duration_spec(std::string_view text, std::string& error);

// The distributions per agent name, "*" for the others; empty: the fixed phases for every run.
class run_durations {
public:
  void set(std::string agent, lognormal_duration d) { by_agent_[std::move(agent)] = d; }
  void clear() { by_agent_.clear(); }
  bool empty() const { return by_agent_.empty(); }
  const lognormal_duration* for_agent(std::string_view agent) const;
  // The phases of a new run of `agent`: drawn when a distribution applies, else `fixed`.
  timing phases_for(std::string_view agent, const timing& fixed, std::mt19937_64& rng) const;
  // {"aimodel": {"median_ms": 20000, "sigma": 0.6}, "*": {…}}
  boost::json::object to_json() const;
  // The same shape back; none, with `error` set, when a member is not that.
  static std::optional<run_durations> from_json(const boost::json::object& o, std::string& error);

private:
  std::map<std::string, lognormal_duration, std::less<>> by_agent_;
};

} // namespace weshop_sim
