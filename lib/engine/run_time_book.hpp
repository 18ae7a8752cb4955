#pragma once
// Every kind's learned run-time estimate (run_time_estimate.hpp), by key,
// and what is left to write to the store (write-behind: a key is written at
// most once per interval; a crash loses at most that much learning). Pure:
// time is a parameter. Not thread-safe: the engine's executor only.
//
// Old runs fade with the time the key is in use: a run's weight halves every
// fade_half_life, so a WeShop that got twice as fast takes over within about
// that long. Fading with time and not per run is what keeps the estimate
// true: within a batch the runs end in order of length at its start and its
// end, and a per-run fade made a kind that takes 20 s look like 34 s (the
// last runs of a batch to end are its longest). With a half-life far longer
// than a run, the order of ending no longer matters. Idle time does not age
// it: a gap between two runs counts as at most fade_idle_cap, so a weekend
// off does not leave the next Monday's first few runs as the whole estimate.

#include "engine/learned_poll_schedule.hpp"
#include "engine/run_time_estimate.hpp"
#include "store/job_store.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::engine {

class run_time_book {
public:
  explicit run_time_book(std::size_t min_observations = learned_schedule_options{}.min_observations)
    : min_observations_(min_observations)
  {
  }

  // What the store kept (at start); rows that do not parse are skipped.
  void load(const std::vector<store::run_time_row>& rows);
  // A run of `key` ended between at_least and at_most after its start.
  void observe(const std::string& key, std::chrono::milliseconds at_least, std::chrono::milliseconds at_most,
               timestamp now);

  // p50 and p90, once the key has seen enough runs.
  std::optional<run_time_quantiles> quantiles(const std::string& key) const;
  // Where to poll its runs (poll_plan.hpp), once the key has seen enough
  // runs, else null: from the estimate corrected for the runs of the key
  // still going (`still_going`: how long each has lasted at least; see
  // run_time_estimate::with_unfinished). Planned again when the estimate
  // has changed, at most once per replan_every (a plan is a few ms of work).
  const poll_plan* plan(const std::string& key, const poll_timing& t, timestamp now,
                        const std::function<std::vector<std::chrono::milliseconds>()>& still_going);
  static constexpr std::chrono::seconds replan_every{10};
  static constexpr std::chrono::minutes fade_half_life{30};
  static constexpr std::chrono::minutes fade_idle_cap{10};
  // When a run of `key` still going `elapsed` after its start likely ends
  // (the median of the longer runs), once the key has seen enough runs.
  std::optional<std::chrono::milliseconds> expected_end(const std::string& key, std::chrono::milliseconds elapsed) const;
  // p50 and p90 by key, for every key with enough runs (GET /v1/agents).
  struct typical {
    std::chrono::milliseconds p50{};
    std::chrono::milliseconds p90{};
    std::size_t runs = 0;
  };
  std::map<std::string, typical> typical_all() const;

  // Keys changed since they were last written and last written at least
  // `every` ago (all changed ones when every is zero), marked as written.
  std::vector<store::run_time_row> take_unsaved(timestamp now, std::chrono::milliseconds every);

private:
  // The key's estimate once it has seen enough runs, else null.
  const run_time_estimate* learned(const std::string& key) const;

  struct entry {
    run_time_estimate estimate;
    bool unsaved = false;
    std::optional<timestamp> saved_at{};
    timestamp updated_at{};
    std::optional<poll_plan> plan{};
    bool plan_stale = true; // the estimate changed since the plan was made
    timestamp planned_at{};
  };
  std::map<std::string, entry> entries_;
  std::size_t min_observations_;
};

} // namespace weshopd::engine
