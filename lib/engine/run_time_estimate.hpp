#pragma once
// How long runs of one kind (agent, version, generateVersion) take, from the
// run's start to its end: a log-spaced histogram whose counts the caller
// fades (run_time_book fades them with time in use). Pure: no clock.
//
// Why this shape: run times are positive and long-tailed (seconds to tens of
// minutes), so log-spaced buckets give the same relative precision (~26 %
// per bucket, refined by interpolation) at every scale; 32 counts are a few
// hundred bytes as text; quantiles are a cumulative sum; and multiplying
// every count by a factor makes old regimes fade without a window of raw
// samples. (Fading per update, as this did first, is biased: within a batch
// the last runs to end are the long ones, so the estimate ended up mostly
// the batch's tail; see run_time_book.) A t-digest or P² estimator would be
// more precise but neither decays as simply nor serialises as plainly.
//
// An observation may be an interval: the poller only knows that a run ended
// after the last poll that saw it unfinished and before the one that saw it
// end. Its weight is spread over that interval (in log space), so a coarse
// schedule does not teach the estimate its own lateness.

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::engine {

class run_time_estimate {
public:
  static constexpr std::size_t buckets = 32;
  static constexpr double lowest_seconds = 1;    // bucket 0 starts here (shorter runs count in it)
  static constexpr double highest_seconds = 1800; // the last bucket ends here (longer runs count in it)

  // A run took `observed`.
  void update(std::chrono::milliseconds observed) { update(observed, observed); }
  // A run ended somewhere in [at_least, at_most].
  void update(std::chrono::milliseconds at_least, std::chrono::milliseconds at_most);
  // Multiplies every count by `factor` (0 < factor <= 1): old runs fade.
  void decay(double factor);

  // Runs observed (not decayed): how much the estimate has seen.
  std::size_t count() const { return count_; }
  // The run time below which a fraction q of the (decayed) weight lies;
  // nullopt before any observation.
  std::optional<std::chrono::milliseconds> quantile(double q) const;
  // The q-quantile of the runs that lasted longer than `elapsed`: when a run
  // still going at `elapsed` is likely to end. nullopt when no weight lies
  // beyond it (it outlasted everything seen) or before any observation.
  std::optional<std::chrono::milliseconds> quantile_after(double q, std::chrono::milliseconds elapsed) const;
  // The share of the (decayed) weight below `t`, as quantile() reads it
  // (0 before any observation).
  double share_below(std::chrono::milliseconds t) const;

  // This estimate corrected for runs still going, each known to have lasted
  // at least its `at_least` (Kaplan-Meier, per bucket, a run still going
  // counting half in its own bucket: the actuarial life table). Only ended
  // runs teach update(), and the first to end are the short ones: while many
  // runs of a kind are still going (a fresh daemon, a new batch), the ended
  // ones alone make the kind look faster than it is. The weight beyond every
  // ended run goes to the bucket above the longest still going.
  run_time_estimate with_unfinished(const std::vector<std::chrono::milliseconds>& at_least) const;

  // "h1:<count>:<c0>,<c1>,...": counts to 3 decimals, zeros empty. parse()
  // refuses anything else (nullopt).
  std::string serialize() const;
  static std::optional<run_time_estimate> parse(std::string_view text);

  const std::array<double, buckets>& counts() const { return counts_; }

private:
  double total() const;
  double weight_below(std::chrono::milliseconds t) const; // each bucket's spread evenly (in log space)
  std::chrono::milliseconds at_weight(double target) const; // where the cumulative weight reaches target

  std::array<double, buckets> counts_{};
  std::size_t count_ = 0;
};

// The key runs are learned under: "agent@version", plus "/generateVersion"
// when the params carry one (a string or a number).
std::string run_time_key(std::string_view agent, std::string_view version, const boost::json::object& params);

} // namespace weshopd::engine
