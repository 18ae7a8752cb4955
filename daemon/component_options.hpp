#pragma once
// The wiring part: one small function per component that turns the validated
// settings (config/config.hpp, config/secrets.hpp) into that component's own
// options struct. It lives in daemon/ because only the daemon may know both
// sides: lib/config stays free of the components (it knows only the pure
// value parsers it checks with), and no component ever includes config, so
// each keeps its own options and its tests build them directly. Nothing here
// does I/O; runtime links (other components, hooks) are passed in.

#include "config/config.hpp"
#include "config/secrets.hpp"

#include "api/callback_api.hpp"
#include "api/local_api.hpp"
#include "notify/budget_alerts.hpp"
#include "budget/budget_policy.hpp"
#include "engine/engine.hpp"
#include "http/address_policy.hpp"
#include "http/server.hpp"
#include "mirror/result_mirror.hpp"
#include "mirror/retention_sweep.hpp"
#include "notify/notifier.hpp"
#include "store/job_store.hpp"
#include "store/postgres_listener.hpp"
#include "upstream/weshop_client.hpp"

#include <memory>
#include <string>

namespace weshopd::wiring {

// store.*; `owner` is this daemon's name in shared claims.
store::job_store_options store_options(const config::settings& cfg, const config::secrets& secrets, std::string owner);
// What the logs call the store: the SQLite file or the PostgreSQL URL.
std::string store_name(const config::settings& cfg);
// The same database's change feed (PostgreSQL only), as the store reaches it.
store::postgres_listener_options listener_options(const store::job_store_options& store);

upstream::weshop_client_options client_options(const config::settings& cfg);
budget::policy_options budget_options(const config::settings& cfg);
// outbound.allow: where notify, alerts and the mirror may connect.
http::address_policy outbound_policy(const config::settings& cfg);

// The parts the engine hands its events to (null: that part is off).
struct engine_links {
  std::shared_ptr<files::local_inputs> local_files;
  std::shared_ptr<const budget::budget_policy> budget;
  notify::notifier* notifier = nullptr;
  mirror::result_mirror* mirror = nullptr;
  notify::alert_sender* alerts = nullptr;
};
engine::engine_options engine_options(const config::settings& cfg, const engine_links& links);

notify::notifier_options notifier_options(std::string key, http::address_policy addresses);
mirror::result_mirror_options mirror_options(const config::settings& cfg, http::address_policy addresses);
// jobs.retention_days (> 0: 0 starts no sweep), and where the mirror's copies live.
mirror::retention_sweep_options retention_options(const config::settings& cfg);

// api.*, limits.max_streams, notify.*, breaker.*; before_metrics is the caller's.
api::api_options api_options(const config::settings& cfg, const config::secrets& secrets,
                             std::shared_ptr<files::local_inputs> local_files,
                             std::shared_ptr<const budget::budget_policy> budget);
// The part of those a reload replaces: tokens, the notify default, budgets.
api::api_live api_live_options(const config::settings& cfg, const config::secrets& secrets,
                               std::shared_ptr<const budget::budget_policy> budget);
api::callback_api_options callback_api_options(const config::settings& cfg);

// The local API's listener (api.listen, api.unix_socket, limits.*).
http::server_options api_server_options(const config::settings& cfg);
// The callback listener: the local one's limits, tighter, on callbacks.listen.
http::server_options callback_server_options(const config::settings& cfg);

} // namespace weshopd::wiring
