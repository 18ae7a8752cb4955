#pragma once
// SIGHUP: the configuration again, from the same sources as at start (file,
// then WESHOPD_* environment, then --set), through the same load and checks
// (config::load) and the same secret files (config::read_secrets). A valid
// one is applied where it can change live (config/reload_plan.hpp decides
// which keys: the settings table says) and every other changed key is named
// in the log and kept. An invalid one changes nothing and the log says why,
// in --check-config's words. Each outcome is counted in /metrics
// (weshopd_config_reloads_total{result}) and shown in GET /v1/status
// (configReload).
//
// reload() runs on the io_context's thread (the signal handler's); the parts
// it changes each take the new values as one snapshot (see their apply/set
// functions). outcome_json() may be called from any thread.

#include "api/local_api.hpp"
#include "budget/budget_policy.hpp"
#include "common/live.hpp"
#include "config/config.hpp"
#include "config/reload_plan.hpp"
#include "engine/engine.hpp"
#include "http/address_policy.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"

#include <boost/json/value.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace weshopd {

// The last reload's outcome, for /v1/status. Thread-safe.
class reload_record {
public:
  struct outcome {
    std::string at;     // RFC 3339
    std::string result; // "applied" | "invalid"
    std::string detail;
    std::vector<std::string> kept;
  };
  void set(outcome o);
  boost::json::value to_json() const; // null before the first reload

private:
  mutable std::mutex mutex_;
  std::optional<outcome> last_;
};

// What a reload changes; all owned by main and outliving the reloader.
struct reload_targets {
  api::local_api& api;
  engine::engine& engine;
  http::server& api_server;
  const http::address_policy& outbound; // every copy of it follows
  common::live<budget::budget_policy>& budget;
};

class config_reloader {
public:
  config_reloader(config::sources from, config::settings running, reload_targets targets, reload_record& record,
                  metrics::registry& metrics);

  // Reads, checks and applies (or refuses) the configuration; logs the outcome.
  void reload();

private:
  void refuse(const std::string& detail);
  void apply(const config::reload_plan& plan);

  config::sources from_;
  config::settings running_; // as applied: the start's, then each reload's plan
  reload_targets targets_;
  reload_record& record_;
  metrics::counter& applied_;
  metrics::counter& invalid_;
};

} // namespace weshopd
