#pragma once
// Hints that a job changed: WeShop's callbacks (checked against the run's
// token hash, in constant time; the body is never believed) and changes made
// by another daemon sharing the database. Either way the job is looked at
// again, never changed from the hint itself. Internal to lib/engine; the
// engine's executor only.

#include "engine/context.hpp"
#include "engine/poller.hpp"

#include <cstdint>
#include <string>

namespace weshopd::engine {

class callbacks {
public:
  struct counts {
    std::uint64_t accepted = 0;
    std::uint64_t late = 0;
    std::uint64_t forged = 0;
    std::uint64_t coalesced = 0; // accepted, but no GET of their own (one was due or running)
  };

  callbacks(engine_context& ctx, poller& polls) : ctx_(ctx), poller_(polls) {}

  boost::asio::awaitable<callback_verdict> on_callback(const std::string& id, const std::string& token);
  // Another daemon changed the job: local streams and waiters hear of it,
  // and a job that ended there is polled here no more.
  boost::asio::awaitable<void> remote_change(keep_alive self, std::string job_id);

  const counts& counters() const { return counts_; }

private:
  engine_context& ctx_;
  poller& poller_;
  counts counts_;
};

} // namespace weshopd::engine
