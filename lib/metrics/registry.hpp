#pragma once
// Prometheus metrics: counters and histograms that code updates where things
// happen, and collectors that read a value when /metrics is scraped (gauges,
// or counts some component already keeps). render() writes the text
// exposition format (version 0.0.4), one family per name, HELP and TYPE first.
//
// Updating is lock-free (atomics); finding a series by name and labels takes
// a mutex, so hot paths look a series up once and keep the reference (series
// live as long as the registry). Thread-safe throughout.
// Names follow Prometheus' conventions: weshopd_<what>_<unit>[_total].

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace weshopd::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

class histogram {
public:
  explicit histogram(std::vector<double> upper_bounds); // ascending; +Inf is implied
  void observe(double v);

  struct snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative; // one per bound, then +Inf
    double sum = 0;
  };
  snapshot read() const;

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_; // per bucket, the last is +Inf
  std::atomic<double> sum_{0};
};

// Bucket bounds for durations in seconds: 0.5 ms .. 30 s.
std::vector<double> latency_buckets();

class registry {
public:
  counter& counter_of(const std::string& name, const std::string& help, const labels& l = {});
  histogram& histogram_of(const std::string& name, const std::string& help, const labels& l,
                          const std::vector<double>& upper_bounds);

  // A family whose samples are read at scrape time. type: "gauge" or "counter".
  using sample = std::pair<labels, double>;
  void collect(const std::string& name, const std::string& help, const std::string& type,
               std::function<std::vector<sample>()> read);

  std::string render() const;

private:
  struct family {
    std::string help;
    std::string type;
    std::map<labels, std::unique_ptr<counter>> counters;
    std::map<labels, std::unique_ptr<histogram>> histograms;
    std::function<std::vector<sample>()> read;
  };
  family& family_of(const std::string& name, const std::string& help, const std::string& type);

  mutable std::mutex mutex_;
  std::map<std::string, family> families_;
};

// The process' registry: what the daemon's /metrics shows.
registry& process_registry();

// process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds (from /proc/self), as Prometheus' client libraries name them.
void collect_process_metrics(registry& r);

} // namespace weshopd::metrics
