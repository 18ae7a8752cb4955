#pragma once
// Jobs held by a budget (over_budget = hold) get their chance when budget
// frees up or the window resets: looked at every held_check and at each
// reset; an admitted job goes to intake. Budget alerts are logged and handed
// to on_budget_alert. Internal to lib/engine; the engine's executor only.

#include "engine/context.hpp"
#include "engine/intake.hpp"

#include <boost/asio/system_timer.hpp>

#include <vector>

namespace weshopd::engine {

class held_jobs {
public:
  held_jobs(engine_context& ctx, intake& in) : ctx_(ctx), intake_(in) {}

  // Admits held jobs until the engine's loops group cancels it.
  boost::asio::awaitable<void> run(keep_alive self);

private:
  engine_context& ctx_;
  intake& intake_;
};

void announce_budget_alerts(engine_context& ctx, const std::vector<budget::budget_alert>& alerts);

} // namespace weshopd::engine
