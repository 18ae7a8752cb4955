#pragma once
// weshop-sim's admin API (plain HTTP, loopback, for tests): stats, reset,
// faults, capacity limits, run durations, callback mode, outage, the callback
// sink, the callback times, the run requests received and every run's
// terminal moment and polls. No sockets here: sim_server passes each admin
// request in and writes the answer out. Single-threaded like sim_state.

#include "sim_api.hpp"
#include "sim_state.hpp"

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <functional>
#include <string_view>

namespace weshop_sim {

// What the admin API may change outside sim_state.
struct admin_controls {
  std::function<void(bool)> set_outage;
  std::function<bool()> outage;
  callback_mode& callbacks;
  std::chrono::milliseconds& callback_delay;
};

answer handle_admin(sim_state& state, admin_controls& controls, boost::beast::http::verb method,
                    std::string_view path, std::string_view body);

} // namespace weshop_sim
