#pragma once
// How weshopctl shows a batch: its counts, a plain line per change (pipes,
// logs), and a progress bar with the rate and time left (terminals). Pure:
// the clock is passed in, so the estimates are tested without waiting.

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace weshopd::cli {

struct batch_counts {
  std::int64_t queued = 0, uploading = 0, submitting = 0, running = 0;
  std::int64_t succeeded = 0, failed = 0, canceled = 0;

  std::int64_t finished() const { return succeeded + failed + canceled; }
  std::int64_t total() const { return queued + uploading + submitting + running + finished(); }
  bool operator==(const batch_counts&) const = default;
};

// The resource's "counts" (missing numbers are 0).
batch_counts counts_of(const boost::json::object& batch);

// What the watch knows about its progress: the items finished when it began
// and now, and how long it has watched.
struct progress_sample {
  std::int64_t finished_at_start = 0;
  std::int64_t finished = 0;
  std::int64_t total = 0;
  std::chrono::steady_clock::duration elapsed{};
};

// Items finished per minute while watched; nullopt before any finished or
// before a second has passed.
std::optional<double> rate_per_minute(const progress_sample& s);
// The rest at the watched rate; nullopt when there is no rate yet. Zero when all are finished.
std::optional<std::chrono::seconds> time_left(const progress_sample& s);
// "45s", "3m05s", "2h07m"; "--" for none.
std::string duration_text(std::optional<std::chrono::seconds> d);

// "<id> running 12/30 finished: succeeded 10, failed 2, canceled 0; running 5, waiting 13"
std::string batch_line(const boost::json::object& batch);
// "[#########-----------]  12/30  ok 10  failed 2  running 5  4.0/min  left 4m30s" (`width` bar cells)
std::string progress_bar(const boost::json::object& batch, const progress_sample& s, std::size_t width = 30);
// weshopctl batch status: the batch, several lines.
std::string describe_batch(const boost::json::object& batch);

} // namespace weshopd::cli
