#include "daemon_metrics.hpp"

#include "store/async_jobs.hpp"

namespace weshopd {

using samples = std::vector<metrics::registry::sample>;

namespace {

samples one(double v)
{
  return {{{}, v}};
}

// Reference parameters only: the objects outlive every scrape (GCC 12 and
// coroutine closures, see the README).
boost::asio::awaitable<void> refresh(store::job_store& store, const common::live<budget::budget_policy>& live,
                                     job_counts_snapshot& jobs, budget_snapshot& budgets)
{
  const auto policy = live.load(); // one snapshot for the whole scrape
  const auto& budget = *policy;
  store::async_jobs reads(store);
  auto counts = co_await reads.counts();
  if (counts)
    jobs.set(std::move(*counts));
  const auto window = budget.window_of(now_ms());
  auto used = co_await reads.budget_used(window);
  if (used)
    budgets.set(budget, std::move(*used));
}

// The scheduling toward WeShop (#23): window, runs in flight, pause, budget.
void add_scheduling_metrics(metrics::registry& r, engine::engine& engine)
{
  r.collect("weshopd_scheduler_window", "Runs weshopd may have in flight toward WeShop now (the learnt window).",
            "gauge", [&engine] { return one(static_cast<double>(engine.stats().window)); });
  r.collect("weshopd_scheduler_in_flight", "Submits under way and runs followed, as the window counts them.", "gauge",
            [&engine] { return one(static_cast<double>(engine.stats().in_flight)); });
  r.collect("weshopd_scheduler_waiting_jobs", "Jobs waiting in the fair queue for a submit.", "gauge",
            [&engine] { return one(static_cast<double>(engine.stats().waiting)); });
  r.collect("weshopd_scheduler_paused_seconds", "How long every submit still waits for WeShop's Retry-After (0: none).",
            "gauge", [&engine] {
              const auto until = engine.stats().paused_until;
              return one(until ? std::chrono::duration<double>(*until - now_ms()).count() : 0.0);
            });
  r.collect("weshopd_scheduler_pauses_total", "Pauses of every submit begun on WeShop's Retry-After.", "counter",
            [&engine] { return one(static_cast<double>(engine.stats().pauses)); });
  r.collect("weshopd_scheduler_window_cuts_total", "Times a refusal shrank the window.", "counter",
            [&engine] { return one(static_cast<double>(engine.stats().window_cuts)); });
  r.collect("weshopd_scheduler_request_rate",
            "The request budget toward WeShop, per second (submits and polls); +Inf: no limit.",
            "gauge", [&engine] { return one(engine.stats().request_rate); });
}

} // namespace

std::function<boost::asio::awaitable<void>()> refresh_before_scrape(store::job_store& store,
                                                                    const common::live<budget::budget_policy>& budget,
                                                                    job_counts_snapshot& jobs, budget_snapshot& budgets)
{
  return [&store, &budget, &jobs, &budgets] { return refresh(store, budget, jobs, budgets); };
}

void job_counts_snapshot::set(std::vector<store::job_count> counts)
{
  std::lock_guard lock(mutex_);
  counts_ = std::move(counts);
}

std::vector<store::job_count> job_counts_snapshot::get() const
{
  std::lock_guard lock(mutex_);
  return counts_;
}

void budget_snapshot::set(const budget::budget_policy& policy, const std::map<std::string, std::int64_t>& used)
{
  std::vector<left> out;
  for (const auto& [scope, limit] : policy.all_limits()) {
    const auto it = used.find(scope);
    const auto spent = it == used.end() ? 0 : it->second;
    const auto unit = static_cast<double>(budget::one_unit);
    out.push_back({scope, static_cast<double>(limit) / unit, static_cast<double>(std::max<budget::micros>(limit - spent, 0)) / unit});
  }
  std::lock_guard lock(mutex_);
  left_ = std::move(out);
}

std::vector<budget_snapshot::left> budget_snapshot::get() const
{
  std::lock_guard lock(mutex_);
  return left_;
}

void collect_daemon_metrics(metrics::registry& r, const daemon_parts& parts, const job_counts_snapshot& jobs,
                            const budget_snapshot& budgets)
{
  r.collect("weshopd_budget_limit", "Each configured daily budget, by scope (global, agent:<name>, token:<name>).",
            "gauge", [&budgets] {
              samples out;
              for (const auto& b : budgets.get())
                out.push_back({{{"scope", b.scope}}, b.limit});
              return out;
            });
  r.collect("weshopd_budget_remaining", "What each budget has left in the current window, by scope.", "gauge",
            [&budgets] {
              samples out;
              for (const auto& b : budgets.get())
                out.push_back({{{"scope", b.scope}}, b.remaining});
              return out;
            });
  auto& engine = parts.engine;
  auto& store = parts.store;
  auto& client = parts.client;
  r.collect("weshopd_jobs", "Jobs by agent and state (finished jobs deleted by retention stay counted).", "gauge", [&jobs] {
    samples out;
    for (const auto& c : jobs.get())
      out.push_back({{{"agent", c.agent}, {"state", c.state}}, static_cast<double>(c.jobs)});
    return out;
  });
  r.collect("weshopd_poll_queue_jobs", "Running jobs waiting for their next poll of WeShop.", "gauge",
            [&engine] { return one(static_cast<double>(engine.stats().polling)); });
  r.collect("weshopd_poll_lag_seconds", "How overdue the most overdue poll is (0 when none is).", "gauge",
            [&engine] { return one(std::chrono::duration<double>(engine.stats().poll_lag).count()); });
  r.collect("weshopd_jobs_in_progress", "Uploads and submits being made now.", "gauge",
            [&engine] { return one(static_cast<double>(engine.stats().active)); });
  add_scheduling_metrics(r, engine);
  r.collect("weshopd_callbacks_total", "WeShop callbacks received, by verdict (late: the job had finished).",
            "counter", [&engine] {
              const auto s = engine.stats();
              return samples{{{{"verdict", "accepted"}}, static_cast<double>(s.callbacks_accepted)},
                             {{{"verdict", "late"}}, static_cast<double>(s.callbacks_late)},
                             {{{"verdict", "forged"}}, static_cast<double>(s.callbacks_forged)}};
            });
  r.collect("weshopd_callbacks_coalesced_total",
            "Accepted callbacks that needed no fetch of their own (duplicates of one due or in flight).", "counter",
            [&engine] { return one(static_cast<double>(engine.stats().callbacks_coalesced)); });
  r.collect("weshopd_upstream_connections_opened_total", "Connections opened to WeShop (each a TLS handshake).",
            "counter", [&client] { return one(static_cast<double>(client.http_stats().connections_opened)); });
  r.collect("weshopd_store_failed_commits_total", "Group commits that the database refused (each write in it failed).",
            "counter", [&store] { return one(static_cast<double>(store.writer_stats().failed_batches)); });
  r.collect("weshopd_http_open_connections", "Open connections to weshopd's listeners.", "gauge",
            [api = &parts.api_server, callbacks = parts.callback_server] {
              samples out{{{{"listener", "api"}}, static_cast<double>(api->open_connections())}};
              if (callbacks)
                out.push_back({{{"listener", "callbacks"}}, static_cast<double>(callbacks->open_connections())});
              return out;
            });
  metrics::collect_process_metrics(r);
}

} // namespace weshopd
