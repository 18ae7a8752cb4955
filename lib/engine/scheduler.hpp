#pragma once
// The four scheduling decisions the intake and the poller share: the
// concurrency window (runs in flight), the pause after a Retry-After, the
// request budget (submits and polls) and the fair queue of waiting jobs.
// Internal to lib/engine; the engine's executor only.

#include "common/time.hpp"
#include "engine/concurrency_window.hpp"
#include "engine/engine.hpp"
#include "engine/fair_queue.hpp"
#include "engine/request_budget.hpp"
#include "engine/submit_pause.hpp"

#include <functional>

namespace weshopd::engine {

struct scheduler {
  explicit scheduler(const engine_options& o)
    : enabled(o.scheduling), window(window_settings{.max_running = o.max_running_runs}),
      budget(budget_settings{.max_per_second = o.max_requests_per_second}, now_ms()), queue(weights_of(o.weights))
  {
  }

  static std::map<std::string, unsigned, std::less<>> weights_of(const std::vector<std::string>& entries)
  {
    std::map<std::string, unsigned, std::less<>> out;
    parse_weights(entries, out); // checked by the settings table already
    return out;
  }

  bool enabled; // false: only the queue (in id order, as before), per-job back-offs
  concurrency_window window;
  submit_pause pause;
  request_budget budget;
  fair_queue queue;
  // Called when a run ends (the poller lets it go): the window may have room.
  std::function<void()> on_run_ended{};
};

} // namespace weshopd::engine
