#pragma once
// The daemon's gauges and the counts its parts already keep, read into
// /metrics at scrape time. Everything passed must outlive the registry's use
// (the daemon registers them in main, where they all live).

#include "engine/engine.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "store/job_store.hpp"
#include "upstream/weshop_client.hpp"

namespace weshopd {

struct daemon_parts {
  engine::engine& engine;
  store::job_store& store;
  upstream::weshop_client& client;
  http::server& api_server;
  http::server* callback_server = nullptr;
};

void collect_daemon_metrics(metrics::registry& r, const daemon_parts& parts);

} // namespace weshopd
