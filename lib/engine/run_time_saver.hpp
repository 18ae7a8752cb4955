#pragma once
// Learned run times (run_time_book.hpp) to and from the store: loaded at
// start, written behind every save_interval (each changed key at most once
// per interval) and at a clean stop. A crash loses at most the last
// interval's learning, which polling re-learns within a few runs. Internal
// to lib/engine; the engine's executor only.

#include "engine/context.hpp"

#include <chrono>

namespace weshopd::engine {

inline constexpr std::chrono::seconds run_time_save_interval{5};

// What the store kept; a failing read only starts from nothing.
boost::asio::awaitable<void> load_run_times(keep_alive self, engine_context& ctx);
// Until the engine's loops group cancels it.
boost::asio::awaitable<void> save_run_times_behind(keep_alive self, engine_context& ctx);
// Writes the keys changed (and last written at least `every` ago); no one
// awaits the write (the store finishes queued writes before it closes).
void save_run_times(engine_context& ctx, std::chrono::milliseconds every);

} // namespace weshopd::engine
