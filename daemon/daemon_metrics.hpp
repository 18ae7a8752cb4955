#pragma once
// The daemon's gauges and the counts its parts already keep, read into
// /metrics at scrape time. Everything passed must outlive the registry's use
// (the daemon registers them in main, where they all live).

#include "budget/budget_policy.hpp"
#include "common/live.hpp"
#include "engine/engine.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "store/job_store.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <mutex>
#include <vector>

namespace weshopd {

struct daemon_parts {
  engine::engine& engine;
  store::job_store& store;
  upstream::weshop_client& client;
  http::server& api_server;
  http::server* callback_server = nullptr;
};

// Jobs by agent and state as last read: the read may be a database round
// trip, so it is made (awaited) before each scrape, not inside the collector.
class job_counts_snapshot {
public:
  void set(std::vector<store::job_count> counts);
  std::vector<store::job_count> get() const;

private:
  mutable std::mutex mutex_;
  std::vector<store::job_count> counts_;
};

// What each configured budget has left in the current window, as last read.
class budget_snapshot {
public:
  struct left {
    std::string scope;
    double limit = 0;
    double remaining = 0;
  };
  void set(const budget::budget_policy& policy, const std::map<std::string, std::int64_t>& used);
  std::vector<left> get() const;

private:
  mutable std::mutex mutex_;
  std::vector<left> left_;
};

// What the local API awaits before each /metrics render (api_options::
// before_metrics): jobs by state and budgets left (as the budgets are now:
// a reload may replace them), read from the store into the snapshots.
// Everything passed must outlive the API.
std::function<boost::asio::awaitable<void>()> refresh_before_scrape(store::job_store& store,
                                                                    const common::live<budget::budget_policy>& budget,
                                                                    job_counts_snapshot& jobs, budget_snapshot& budgets);

void collect_daemon_metrics(metrics::registry& r, const daemon_parts& parts, const job_counts_snapshot& jobs,
                            const budget_snapshot& budgets);

} // namespace weshopd
