#pragma once
// Resuming work: at start, every unfinished job this daemon may take (with
// SQLite: all of them; with PostgreSQL: those no live daemon holds); with a
// lease (daemons sharing a database), a heartbeat that renews it and takes
// over the jobs of daemons whose lease ran out. A job caught in `submitting`
// is never sent again (submit_policy.hpp). Internal to lib/engine; the
// engine's executor only.

#include "engine/context.hpp"
#include "engine/intake.hpp"
#include "engine/poller.hpp"

#include <boost/asio/steady_timer.hpp>

#include <vector>

namespace weshopd::engine {

class recovery {
public:
  recovery(engine_context& ctx, intake& in, poller& polls)
    : ctx_(ctx), intake_(in), poller_(polls)
  {
  }

  // Takes every unfinished job; throws when they cannot be read.
  boost::asio::awaitable<void> resume_unfinished(keep_alive self);
  // The heartbeat (options.lease_heartbeat), until the engine's loops group cancels it.
  boost::asio::awaitable<void> keep_lease(keep_alive self);

private:
  boost::asio::awaitable<void> adopt(keep_alive self, std::vector<job>& jobs);

  engine_context& ctx_;
  intake& intake_;
  poller& poller_;
};

} // namespace weshopd::engine
