// weshopd: reads the configuration, builds each component from its options
// (component_options.hpp) on one io_context, runs until SIGTERM/SIGINT and
// stops cleanly (service_lifecycle.hpp). main only wires.
//
// Exit codes: 0 stopped (or --check-config passed), 1 a start that failed
// (startup_failed in the log), 2 a bad configuration, CLI11's for bad flags.

#include "api/callback_api.hpp"
#include "api/local_api.hpp"
#include "notify/budget_alerts.hpp"
#include "command_line.hpp"
#include "common/log.hpp"
#include "component_options.hpp"
#include "config_reload.hpp"
#include "config/config.hpp"
#include "config/credentials.hpp"
#include "config/reference.hpp"
#include "config/secrets.hpp"
#include "daemon_metrics.hpp"
#include "engine/engine.hpp"
#include "http/server.hpp"
#include "instance_name.hpp"
#include "local_files.hpp"
#include "mirror/result_mirror.hpp"
#include "notify/notifier.hpp"
#include "process_setup.hpp"
#include "service_lifecycle.hpp"
#include "store/async_jobs.hpp"
#include "store/job_store.hpp"
#include "store/postgres_listener.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/asio/io_context.hpp>

#include <iostream>

namespace {

using namespace weshopd;

int fail(std::string_view what, std::string_view why)
{
  log(log_level::error, "startup_failed", {{"what", what}, {"why", why}});
  return 1;
}

// A part the configuration may switch off. The arguments are evaluated either
// way, so they must be cheap and without effects (options, not components).
template <class T, class... Args>
std::unique_ptr<T> make_if(bool wanted, Args&&... args)
{
  return wanted ? std::make_unique<T>(std::forward<Args>(args)...) : nullptr;
}

// Our claims go at once (another daemon need not wait for the lease to run
// out), then the last line.
int stopped(store::job_store& store, const service_lifecycle::shutdown_report& shutdown)
{
  if (const auto released = store.release_lease(); !released)
    log(log_level::warning, "lease_release_failed", {{"error", released.error().message()}});
  log(log_level::info, "stopped", {{"shutdown_ms", shutdown.ms}, {"drained", shutdown.drained}});
  return 0;
}

// Builds every part on one io_context and runs it until a stop signal.
service_lifecycle::shutdown_report serve(const command_line& cmd, const config::settings& cfg,
                                         const upstream::api_key& api_key, const config::secrets& secrets,
                                         store::job_store& store, const store::job_store_options& store_options)
{
  const auto budget = std::make_shared<const budget::budget_policy>(wiring::budget_options(cfg));
  common::live<budget::budget_policy> budget_now(budget); // what a reload replaces
  boost::asio::io_context io(1);
  const auto ex = io.get_executor();
  upstream::weshop_client client(ex, api_key, wiring::client_options(cfg));
  log(log_level::info, "upstream", {{"origin", client.api_origin()}});
  const auto local_files = open_local_files(cfg);
  const auto outbound = wiring::outbound_policy(cfg);
  // Local webhooks (only with a signing secret), copies of result images (WeShop's URLs expire), budget alerts.
  const auto notifier = make_if<notify::notifier>(secrets.notify_key.has_value(), ex, store,
                                                  wiring::notifier_options(secrets.notify_key.value_or(""), outbound));
  const auto mirror = make_if<mirror::result_mirror>(cfg.results.mirror, ex, store, wiring::mirror_options(cfg, outbound));
  const auto alerts = make_if<notify::alert_sender>(cfg.budget.alert_url.has_value(), ex, cfg.budget.alert_url.value_or(""),
                                                    secrets.notify_key, cfg.budget.currency, outbound);
  // Finished jobs past jobs.retention_days go (0 keeps everything).
  const auto retention = make_if<mirror::retention_sweep>(cfg.jobs.retention_days > 0, ex, store,
                                                          wiring::retention_options(cfg));
  engine::engine engine(ex, store, client,
                        wiring::engine_options(cfg, {local_files, budget, notifier.get(), mirror.get(), alerts.get()}));
  // Daemons sharing PostgreSQL: the others' job events reach our streams.
  const auto listener = make_if<store::postgres_listener>(
    cfg.store.backend == config::store_backend::postgres, ex, wiring::listener_options(store_options),
    [&engine](const std::string& id) { engine.remote_change(id); });

  job_counts_snapshot job_counts; // /metrics' jobs by agent and state, read before each scrape
  budget_snapshot budget_left;    // and what each budget has left today
  reload_record last_reload; // /v1/status's configReload
  auto api_options = wiring::api_options(cfg, secrets, local_files, budget);
  api_options.before_metrics = refresh_before_scrape(store, budget_now, job_counts, budget_left);
  api_options.config_reload = [&last_reload] { return last_reload.to_json(); };
  api::local_api api(engine, store, std::move(api_options));
  http::server server(ex, wiring::api_server_options(cfg), [&api](http::incoming& req) { return api.handle(req); });
  // Callbacks get their own listener: the only one a reverse proxy exposes.
  api::callback_api callbacks(engine, wiring::callback_api_options(cfg));
  const auto callback_server =
    make_if<http::server>(cfg.callbacks.listen.has_value(), ex, wiring::callback_server_options(cfg),
                          [&callbacks](http::incoming& req) { return callbacks.handle(req); });

  collect_daemon_metrics(metrics::process_registry(),
                         {.engine = engine, .store = store, .client = client, .api_server = server,
                          .callback_server = callback_server.get()},
                         job_counts, budget_left);
  config_reloader reloader(cmd.sources, cfg, {api, engine, server, outbound, budget_now}, last_reload,
                           metrics::process_registry());
  service_lifecycle lifecycle(io,
                              {.engine = engine, .api_server = server, .callback_server = callback_server.get(),
                               .notifier = notifier.get(), .mirror = mirror.get(), .retention = retention.get(),
                               .listener = listener.get(), .alerts = alerts.get(),
                               .reload = [&reloader] { reloader.reload(); }},
                              cfg, {.store = wiring::store_name(cfg), .tokens_required = !secrets.api_tokens.empty()});
  lifecycle.start();
  io.run();
  store::async_jobs::finish_pool_work(); // a backup cut at the deadline ends before the loop is destroyed
  return lifecycle.report();
}

} // namespace

int main(int argc, char** argv)
{
  forbid_core_dumps();
  auto cmd = parse_command_line(argc, argv);
  if (cmd.exit_code)
    return *cmd.exit_code;
  if (cmd.print_reference) { // the table's own defaults: neither the file nor the environment is read
    std::cout << config::reference_markdown();
    return 0;
  }
  const auto loaded = config::load(cmd.sources);
  if (!loaded) {
    for (const auto& e : loaded.errors)
      std::cerr << "weshopd: configuration: " << e.to_string() << "\n";
    return 2;
  }
  const auto& cfg = loaded.values;
  if (cmd.check_only) {
    std::cout << "weshopd: configuration is valid\n";
    return 0;
  }

  raise_file_limit();
  const auto key = config::take_api_key(cmd.sources.environment);
  if (!key.key)
    return fail("api key", key.problem);
  const upstream::api_key api_key(*key.key);
  log(log_level::info, "api_key", {{"source", key.source}, {"fingerprint", api_key.fingerprint()}});
  const auto secrets_read = config::read_secrets(cfg);
  if (!secrets_read)
    return fail(secrets_read.key, secrets_read.problem);
  const auto& secrets = secrets_read.values;
  set_log_threshold(cfg.log.level);

  const auto store_options = wiring::store_options(cfg, secrets, instance_name());
  auto opened = store::job_store::open(store_options);
  if (!opened)
    return fail("job store " + wiring::store_name(cfg), opened.error().message());
  auto& store = **opened;

  service_lifecycle::shutdown_report shutdown;
  try {
    shutdown = serve(cmd, cfg, api_key, secrets, store, store_options);
  } catch (const std::exception& e) {
    return fail("service", e.what());
  }
  return stopped(store, shutdown);
}
