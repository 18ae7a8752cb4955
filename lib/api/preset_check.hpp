#pragma once
// Preset ids checked at intake against the agent info the engine caches
// (weshop/preset_ids.hpp holds the rule). A check that cannot run never blocks
// intake: the job is accepted and carries its ids as unchecked warnings. After
// a failed fetch, intake does not ask again for `quiet`, so an outage costs
// each job nothing rather than the deadline.

#include "common/time.hpp"
#include "engine/engine.hpp"
#include "weshop/preset_ids.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <string>

namespace weshopd::api {

class preset_check {
public:
  explicit preset_check(engine::engine& engine, std::chrono::milliseconds deadline = std::chrono::seconds(2),
                        std::chrono::milliseconds quiet = std::chrono::seconds(30));

  // verdict.refused: 422; verdict.unchecked: warnings for the job.
  boost::asio::awaitable<weshop::preset_verdict> check(std::string agent, std::string version,
                                                        const boost::json::object& params);

private:
  engine::engine& engine_;
  std::chrono::milliseconds deadline_;
  std::chrono::milliseconds quiet_;
  std::map<std::string, timestamp> failed_at_; // "agent/version" -> last failed fetch
};

} // namespace weshopd::api
