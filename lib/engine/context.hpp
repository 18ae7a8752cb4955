#pragma once
// What the engine's parts (intake, poller, callbacks, held jobs, recovery)
// share: the executor, the store and the client, the options, the change
// hub and feed, the task groups and the jitter source. Each part holds a
// reference to one engine_context, owned with the parts by the engine.
// Not thread-safe: everything runs on the engine's executor. Internal to
// lib/engine (include only in its .cpp files).

#include "common/task_group.hpp"
#include "engine/engine.hpp"
#include "engine/run_time_book.hpp"
#include "engine/scheduler.hpp"
#include "store/async_jobs.hpp"

#include <memory>
#include <random>

namespace weshopd::engine {

// Keeps the engine (context and parts) alive while a coroutine of one of its
// parts exists: when the shutdown deadline stops the io_context, suspended
// frames outlive the engine object and their guards still touch the parts
// as the io_context destroys them. Pass a named one (GCC 12, see README).
using keep_alive = std::shared_ptr<void>;

struct engine_context {
  engine_context(boost::asio::any_io_executor ex, store::job_store& s, upstream::weshop_client& c, engine_options o)
    : executor(ex), store(s), jobs(s), client(c), options(std::move(o)), sched(options), hub(ex), feed(ex)
  {
  }

  boost::asio::any_io_executor executor;
  store::job_store& store; // for writes no one awaits (learned run times)
  store::async_jobs jobs; // the store, awaited: co_await ctx.jobs.get(id)
  upstream::weshop_client& client;
  engine_options options;
  scheduler sched; // what goes to WeShop next, and when
  change_hub hub;
  job_feed feed;
  run_time_book run_times; // learned by the poller, shown by the API
  // The schedulers (poller, lease keeper, held jobs): cancelled at stop().
  task_group loops{"engine"};
  // Drives, polls and remote changes: take no new work at stop(), but what
  // is in flight (a submit, an upload, a GET) may finish until interrupt().
  task_group work{"engine_work"};

  bool stopped() const { return work.stopped(); }
  std::mt19937_64 rng{std::random_device{}()};

  // Jitter for back-offs, in [0, 1).
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

} // namespace weshopd::engine
