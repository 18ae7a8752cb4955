#include "component_options.hpp"

#include "api/errors.hpp"
#include "build_info.hpp"
#include "job/job_state.hpp"

namespace weshopd::wiring {
namespace {

// The store takes SQLite's own words for these.
std::string backend_name(config::store_backend b)
{
  return b == config::store_backend::postgres ? "postgres" : "sqlite";
}

std::string synchronous_name(config::sqlite_synchronous mode)
{
  switch (mode) {
  case config::sqlite_synchronous::off: return "off";
  case config::sqlite_synchronous::normal: return "normal";
  case config::sqlite_synchronous::full: return "full";
  case config::sqlite_synchronous::extra: return "extra";
  }
  return "full";
}

} // namespace

store::job_store_options store_options(const config::settings& cfg, const config::secrets& secrets, std::string owner)
{
  store::job_store_options o;
  o.backend = backend_name(cfg.store.backend);
  o.path = cfg.store.path;
  o.synchronous = synchronous_name(cfg.store.synchronous);
  o.url = cfg.store.url.value_or("");
  o.password = secrets.store_password;
  o.owner = std::move(owner);
  o.lease = std::chrono::seconds(cfg.store.lease_seconds);
  return o;
}

std::string store_name(const config::settings& cfg)
{
  return cfg.store.backend == config::store_backend::sqlite ? cfg.store.path : cfg.store.url.value_or("");
}

store::postgres_listener_options listener_options(const store::job_store_options& store)
{
  return {store.url, store.password, store.owner};
}

upstream::weshop_client_options client_options(const config::settings& cfg)
{
  upstream::weshop_client_options o;
  o.test_origin = cfg.upstream.test_origin;
  o.ca_file = cfg.upstream.ca_file.value_or("");
  return o;
}

budget::policy_options budget_options(const config::settings& cfg)
{
  return {.currency = cfg.budget.currency,
          .prices = cfg.budget.prices,
          .daily = cfg.budget.daily,
          .per_agent = cfg.budget.per_agent,
          .per_token = cfg.budget.per_token,
          .reset_hour = static_cast<int>(cfg.budget.reset_hour),
          .policy = cfg.budget.policy};
}

http::address_policy outbound_policy(const config::settings& cfg)
{
  return http::address_policy(cfg.outbound.allow);
}

engine::engine_options engine_options(const config::settings& cfg, const engine_links& links)
{
  engine::engine_options o;
  o.local_files = links.local_files;
  o.deadline = std::chrono::seconds(cfg.engine.deadline_seconds);
  o.poll_initial = std::chrono::milliseconds(cfg.engine.poll_initial_ms);
  o.poll_cap = std::chrono::milliseconds(cfg.engine.poll_cap_ms);
  o.adaptive_polling = cfg.engine.adaptive_polling;
  o.max_concurrent_polls = cfg.engine.max_concurrent_polls;
  o.max_concurrent_submits = cfg.engine.max_concurrent_submits;
  o.polls_per_second = static_cast<double>(cfg.engine.polls_per_second);
  o.max_waiting_jobs = cfg.engine.max_waiting_jobs;
  o.scheduling = cfg.scheduler.enabled;
  o.max_running_runs = cfg.upstream.max_running_runs;
  o.max_requests_per_second = static_cast<double>(cfg.upstream.max_requests_per_second);
  o.weights = cfg.scheduler.weights;
  if (cfg.store.backend == config::store_backend::postgres) // several daemons may share the queue
    o.lease_heartbeat = std::chrono::seconds(cfg.store.lease_seconds) / 3;
  if (cfg.callbacks.public_base_url) {
    auto base = *cfg.callbacks.public_base_url;
    while (base.ends_with('/'))
      base.pop_back();
    o.callback_base = base + "/callbacks/weshop";
    o.safety_poll = std::chrono::seconds(cfg.callbacks.safety_poll_seconds);
  }
  o.mirror_results = links.mirror != nullptr;
  o.on_event = [notifier = links.notifier, mirror = links.mirror](const job& j) {
    // A batch item's end may have finished its batch (batch.<state> is owed).
    if (notifier && (j.notify_url || (j.batch_id && is_terminal(j.state))))
      notifier->poke();
    if (mirror && j.state == job_state::succeeded)
      mirror->poke();
  };
  o.budget = links.budget;
  o.on_budget_alert = [alerts = links.alerts](const budget::budget_alert& a) {
    if (alerts)
      alerts->send(a);
  };
  return o;
}

notify::notifier_options notifier_options(std::string key, http::address_policy addresses)
{
  return {.key = std::move(key), .addresses = std::move(addresses)};
}

mirror::result_mirror_options mirror_options(const config::settings& cfg, http::address_policy addresses)
{
  mirror::result_mirror_options o;
  o.dir = cfg.results.dir.value_or("");
  o.max_image_bytes = cfg.results.max_image_bytes;
  o.retention = std::chrono::hours(24 * cfg.results.retention_days);
  o.max_total_bytes = cfg.results.max_total_bytes;
  o.ca_file = cfg.upstream.ca_file.value_or("");
  o.addresses = std::move(addresses);
  return o;
}

mirror::retention_sweep_options retention_options(const config::settings& cfg)
{
  mirror::retention_sweep_options o;
  o.retention = std::chrono::hours(24 * cfg.jobs.retention_days);
  o.mirror_dir = cfg.results.dir.value_or("");
  return o;
}

api::api_options api_options(const config::settings& cfg, const config::secrets& secrets,
                             std::shared_ptr<files::local_inputs> local_files,
                             std::shared_ptr<const budget::budget_policy> budget)
{
  api::api_options o;
  o.local_files = std::move(local_files);
  o.events.heartbeat = std::chrono::seconds(cfg.api.heartbeat_seconds);
  o.max_streams = cfg.limits.max_streams;
  o.notify_enabled = secrets.notify_key.has_value();
  auto live = api_live_options(cfg, secrets, std::move(budget));
  o.default_notify = std::move(live.default_notify);
  o.tokens = std::move(live.tokens);
  o.allowed_hosts = cfg.api.allowed_hosts;
  o.budget = std::move(live.budget);
  o.identical_requests = cfg.breaker.identical_requests;
  o.identical_window = std::chrono::seconds(cfg.breaker.window_seconds);
  o.version = build::version();
  o.commit = build::commit();
  if (cfg.results.mirror)
    o.mirror_dir = cfg.results.dir.value_or("");
  return o;
}

api::api_live api_live_options(const config::settings& cfg, const config::secrets& secrets,
                               std::shared_ptr<const budget::budget_policy> budget)
{
  api::api_live o;
  if (cfg.notify.url)
    o.default_notify = api::notify_target{*cfg.notify.url, cfg.notify.events == config::notify_events::all};
  for (const auto& t : secrets.api_tokens)
    o.tokens.push_back({t.name, t.secret, t.admin});
  o.budget = std::move(budget);
  return o;
}

api::callback_api_options callback_api_options(const config::settings& cfg)
{
  return {.trusted_proxies = cfg.callbacks.trusted_proxies};
}

http::server_options api_server_options(const config::settings& cfg)
{
  http::server_options o;
  o.host = cfg.api.listen.host;
  o.port = cfg.api.listen.port;
  o.unix_socket = cfg.api.unix_socket.value_or("");
  o.max_header = cfg.limits.max_header;
  o.max_body = cfg.limits.max_body;
  o.max_connections = cfg.limits.max_connections;
  o.max_body_memory = cfg.limits.max_body_memory;
  o.make_error = [](unsigned status, std::string_view code, std::string_view msg) {
    return api::error_response(status, code, msg);
  };
  return o;
}

http::server_options callback_server_options(const config::settings& cfg)
{
  auto o = api_server_options(cfg);
  const auto listen = cfg.callbacks.listen.value_or(config::listen_address{});
  o.host = listen.host;
  o.port = listen.port;
  o.unix_socket.clear();
  o.max_header = 8 * 1024;
  o.max_body = 64 * 1024; // a hint needs no more; the body is not believed anyway
  o.read_timeout = std::chrono::seconds(10);
  o.idle_timeout = std::chrono::seconds(30);
  return o;
}

} // namespace weshopd::wiring
