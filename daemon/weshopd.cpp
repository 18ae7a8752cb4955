// weshopd: configuration, the job store, the WeShop client, the engine and
// the local API, wired on one io_context; stops cleanly on SIGTERM/SIGINT.

#include "api/callback_api.hpp"
#include "api/errors.hpp"
#include "api/local_api.hpp"
#include "budget/budget_alerts.hpp"
#include "common/environment_scrub.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/credentials.hpp"
#include "daemon_metrics.hpp"
#include "engine/engine.hpp"
#include "files/local_inputs.hpp"
#include "mirror/result_mirror.hpp"
#include "notify/notifier.hpp"
#include "notify/signature.hpp"
#include "http/address_policy.hpp"
#include "http/server.hpp"
#include "store/job_store.hpp"
#include "store/postgres_listener.hpp"
#include "store/read_async.hpp"
#include "service_heartbeat.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <CLI/CLI.hpp>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <iostream>

namespace {

using namespace weshopd;
namespace asio = boost::asio;

// Every connection and stream is a file descriptor: use all the system grants
// (the soft limit is often 1,024 while the hard one is far higher).
void raise_file_limit()
{
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

// A secret file's text without its trailing newline and spaces.
std::string first_line_of(const std::string& path)
{
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), {}};
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  return text;
}

// This daemon's name in shared claims: host, pid and a random part (new at every start).
std::string instance_name()
{
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "/" + std::to_string(::getpid()) + "/" + random_token().substr(0, 8);
}

// Local input images: the roots jobs may name files in, and uploads.dir
// (weshopd's copies, a root too: the dashboard's uploads are named there).
// Without a usable uploads.dir, local files are refused (with a warning).
std::shared_ptr<files::local_inputs> local_inputs_of(const config::settings& cfg)
{
  std::shared_ptr<files::image_store> copies;
  auto roots = cfg.uploads.roots;
  if (cfg.uploads.dir) {
    try {
      copies = std::make_shared<files::image_store>(files::image_store_options{
        .dir = std::filesystem::weakly_canonical(*cfg.uploads.dir).string(), .max_total_bytes = cfg.uploads.max_total_bytes});
      roots.push_back(copies->dir());
    } catch (const std::exception& e) {
      log(log_level::warning, "uploads_dir_unusable", {{"dir", *cfg.uploads.dir}, {"error", e.what()}});
    }
  }
  auto inputs = std::make_shared<files::local_inputs>(files::upload_roots(roots), copies);
  for (const auto& root : inputs->roots.unusable())
    log(log_level::warning, "upload_root_unusable", {{"root", root}});
  return inputs;
}

// api.token_file: one token per line, "secret", "name secret" or "name
// secret admin" (the name is what per-token budgets and usage reports call it,
// and whose jobs it sees; "default" without; admin: every job).
std::vector<api::api_token> read_api_tokens(const std::string& path, std::string& problem)
{
  std::vector<api::api_token> tokens;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string first, second, role, extra;
    words >> first >> second >> role >> extra;
    if (first.empty() || first.starts_with('#'))
      continue;
    api::api_token t{second.empty() ? "default" : first, second.empty() ? first : second, role == "admin"};
    if ((!role.empty() && role != "admin") || !extra.empty() || t.secret.size() < 16) {
      problem = "each line must be a token of at least 16 characters, or a name and such a token";
      return {};
    }
    tokens.push_back(std::move(t));
  }
  if (tokens.empty())
    problem = "holds no token";
  return tokens;
}

budget::policy_options budget_policy_of(const config::settings& cfg)
{
  budget::policy_options o;
  o.currency = cfg.budget.currency;
  budget::parse_amounts(cfg.budget.prices, o.prices); // checked when the configuration was read
  budget::parse_amounts(cfg.budget.per_agent, o.per_agent);
  budget::parse_amounts(cfg.budget.per_token, o.per_token);
  if (cfg.budget.daily)
    o.daily = budget::parse_amount(*cfg.budget.daily);
  o.reset_hour = static_cast<int>(cfg.budget.reset_hour);
  o.policy = cfg.budget.policy == "hold" ? budget::over_budget::hold : budget::over_budget::reject;
  return o;
}

int fail(std::string_view what, std::string_view why)
{
  log(log_level::error, "startup_failed", {{"what", what}, {"why", why}});
  return 1;
}

} // namespace

int main(int argc, char** argv)
{
  // No core dumps and no ptrace by other processes of our user: memory holds the key.
  if (::prctl(PR_SET_DUMPABLE, 0) != 0)
    log(log_level::warning, "not_dumpable_failed", {{"error", std::strerror(errno)}});
  CLI::App app{"weshopd: a durable local service in front of the WeShop Agent API"};
  config::sources sources;
  std::string config_file;
  bool check_only = false;
  app.add_option("--config", config_file, "TOML configuration file (see config/weshopd.conf)");
  app.add_option("--set", sources.overrides, "override a setting: section.key=value (repeatable)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.set_version_flag("--version", "weshopd 0.1.0");
  CLI11_PARSE(app, argc, argv);
  if (!config_file.empty())
    sources.file = config_file;
  sources.environment = config::process_environment();

  const auto loaded = config::load(sources);
  if (!loaded) {
    for (const auto& e : loaded.errors)
      std::cerr << "weshopd: configuration: " << e.to_string() << "\n";
    return 2;
  }
  const auto& cfg = loaded.values;
  if (check_only) {
    std::cout << "weshopd: configuration is valid\n";
    return 0;
  }

  raise_file_limit();
  const auto key = config::find_api_key(sources.environment);
  // Read once; afterwards neither environ, /proc/<pid>/environ nor our copy holds it.
  scrub_environment_variable("WESHOP_API_KEY");
  scrub_environment_variable(sources.environment, "WESHOP_API_KEY");
  if (!key.key)
    return fail("api key", key.problem);
  const upstream::api_key api_key(*key.key);
  log(log_level::info, "api_key", {{"source", key.source}, {"fingerprint", api_key.fingerprint()}});

  std::vector<api::api_token> api_tokens;
  if (cfg.api.token_file) {
    std::string problem;
    api_tokens = read_api_tokens(*cfg.api.token_file, problem);
    if (!problem.empty())
      return fail("api.token_file", problem);
  }
  const auto budget = std::make_shared<const budget::budget_policy>(budget_policy_of(cfg));

  std::optional<std::string> notify_key;
  if (cfg.notify.secret_file) {
    std::ifstream in(*cfg.notify.secret_file);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    notify_key = notify::signing_key(text);
    if (!notify_key)
      return fail("notify.secret_file", "needs whsec_<base64> or at least 16 bytes of secret");
  }

  store::job_store_options store_options;
  store_options.backend = cfg.store.backend;
  store_options.path = cfg.store.path;
  store_options.synchronous = cfg.store.synchronous;
  store_options.url = cfg.store.url.value_or("");
  if (cfg.store.password_file)
    store_options.password = first_line_of(*cfg.store.password_file);
  store_options.owner = instance_name();
  store_options.lease = std::chrono::seconds(cfg.store.lease_seconds);
  const auto store_name = cfg.store.backend == "sqlite" ? cfg.store.path : cfg.store.url.value_or("");
  std::string message;
  auto store = store::job_store::open(store_options, &message);
  if (!store)
    return fail("job store " + store_name, store.error().message() + (message.empty() ? "" : ": " + message));

  try {
    asio::io_context io(1);
    upstream::weshop_client_options client_options;
    client_options.test_origin = cfg.upstream.test_origin;
    client_options.ca_file = cfg.upstream.ca_file.value_or("");
    upstream::weshop_client client(io.get_executor(), api_key, client_options);
    log(log_level::info, "upstream", {{"origin", client.api_origin()}});

    const auto local_files = local_inputs_of(cfg);
    engine::engine_options engine_options;
    engine_options.local_files = local_files;
    engine_options.deadline = std::chrono::seconds(cfg.engine.deadline_seconds);
    engine_options.poll_initial = std::chrono::milliseconds(cfg.engine.poll_initial_ms);
    engine_options.poll_cap = std::chrono::milliseconds(cfg.engine.poll_cap_ms);
    engine_options.max_concurrent_polls = cfg.engine.max_concurrent_polls;
    engine_options.max_concurrent_submits = cfg.engine.max_concurrent_submits;
    engine_options.polls_per_second = static_cast<double>(cfg.engine.polls_per_second);
    engine_options.max_waiting_jobs = cfg.engine.max_waiting_jobs;
    if (cfg.store.backend == "postgres") // several daemons may share the queue
      engine_options.lease_heartbeat = std::chrono::seconds(cfg.store.lease_seconds) / 3;
    if (cfg.callbacks.public_base_url) {
      auto base = *cfg.callbacks.public_base_url;
      while (base.ends_with('/'))
        base.pop_back();
      engine_options.callback_base = base + "/callbacks/weshop";
      engine_options.safety_poll = std::chrono::seconds(cfg.callbacks.safety_poll_seconds);
    }
    // Where notify, alerts and the mirror may connect (checked at load).
    const auto outbound = http::address_policy::from_strings(cfg.outbound.allow);
    // Local webhooks (only with a signing secret).
    std::unique_ptr<notify::notifier> notifier;
    if (notify_key)
      notifier = std::make_unique<notify::notifier>(io.get_executor(), **store,
                                                    notify::notifier_options{.key = *notify_key, .addresses = outbound});
    // Copies of result images (WeShop's URLs expire).
    std::unique_ptr<mirror::result_mirror> mirror;
    if (cfg.results.mirror) {
      mirror::result_mirror_options o;
      o.dir = *cfg.results.dir;
      o.max_image_bytes = cfg.results.max_image_bytes;
      o.retention = std::chrono::hours(24 * cfg.results.retention_days);
      o.max_total_bytes = cfg.results.max_total_bytes;
      o.ca_file = cfg.upstream.ca_file.value_or("");
      o.addresses = outbound;
      mirror = std::make_unique<mirror::result_mirror>(io.get_executor(), **store, o);
      engine_options.mirror_results = true;
    }
    engine_options.on_event = [&notifier, &mirror](const job& j) {
      if (notifier && j.notify_url)
        notifier->poke();
      if (mirror && j.state == job_state::succeeded)
        mirror->poke();
    };
    engine_options.budget = budget;
    std::unique_ptr<budget::alert_sender> alerts;
    if (cfg.budget.alert_url)
      alerts = std::make_unique<budget::alert_sender>(io.get_executor(), *cfg.budget.alert_url, notify_key,
                                                      cfg.budget.currency, outbound);
    engine_options.on_budget_alert = [&alerts](const budget::budget_alert& a) {
      if (alerts)
        alerts->send(a);
    };
    engine::engine engine(io.get_executor(), **store, client, engine_options);
    // Daemons sharing PostgreSQL: the others' job events reach our streams.
    std::unique_ptr<store::postgres_listener> listener;
    if (cfg.store.backend == "postgres")
      listener = std::make_unique<store::postgres_listener>(
        io.get_executor(),
        store::postgres_listener_options{store_options.url, store_options.password, store_options.owner},
        [&engine](const std::string& id) { engine.remote_change(id); });
    job_counts_snapshot job_counts; // /metrics' jobs by agent and state, read before each scrape
    budget_snapshot budget_left;    // and what each budget has left today
    api::local_api api(engine, **store,
                       {.local_files = local_files,
                        .events = {.heartbeat = std::chrono::seconds(cfg.api.heartbeat_seconds)},
                        .max_streams = cfg.limits.max_streams,
                        .notify_enabled = notify_key.has_value(),
                        .default_notify = cfg.notify.url ? std::optional<api::notify_target>(api::notify_target{
                                                             *cfg.notify.url, cfg.notify.events == "all"})
                                                         : std::nullopt,
                        .tokens = api_tokens,
                        .allowed_hosts = cfg.api.allowed_hosts,
                        .before_metrics = [&]() -> asio::awaitable<void> {
                          auto& s = **store;
                          auto counts = co_await store::read_async(s, [&] { return s.counts(); });
                          if (counts)
                            job_counts.set(std::move(*counts));
                          const auto window = budget->window_of(now_ms());
                          auto used = co_await store::read_async(s, [&] { return s.budget_used(window); });
                          if (used)
                            budget_left.set(*budget, std::move(*used));
                        },
                        .budget = budget,
                        .identical_requests = cfg.breaker.identical_requests,
                        .identical_window = std::chrono::seconds(cfg.breaker.window_seconds)});

    http::server_options server_options;
    server_options.host = cfg.api.listen.host;
    server_options.port = cfg.api.listen.port;
    server_options.unix_socket = cfg.api.unix_socket.value_or("");
    server_options.max_header = cfg.limits.max_header;
    server_options.max_body = cfg.limits.max_body;
    server_options.max_connections = cfg.limits.max_connections;
    server_options.max_body_memory = cfg.limits.max_body_memory;
    server_options.make_error = [](unsigned status, std::string_view code, std::string_view msg) {
      return api::error_response(status, code, msg);
    };
    http::server server(io.get_executor(), server_options,
                        [&api](http::incoming& req) { return api.handle(req); });

    // Callbacks get their own listener: the only one a reverse proxy exposes.
    api::callback_api callbacks(engine, {.trusted_proxies = cfg.callbacks.trusted_proxies});
    std::unique_ptr<http::server> callback_server;
    if (cfg.callbacks.listen) {
      auto o = server_options;
      o.host = cfg.callbacks.listen->host;
      o.port = cfg.callbacks.listen->port;
      o.unix_socket.clear();
      o.max_header = 8 * 1024;
      o.max_body = 64 * 1024; // a hint needs no more; the body is not believed anyway
      o.read_timeout = std::chrono::seconds(10);
      o.idle_timeout = std::chrono::seconds(30);
      callback_server = std::make_unique<http::server>(io.get_executor(), o,
                                                       [&callbacks](http::incoming& req) { return callbacks.handle(req); });
    }

    collect_daemon_metrics(metrics::process_registry(),
                           {.engine = engine,
                            .store = **store,
                            .client = client,
                            .api_server = server,
                            .callback_server = callback_server.get()},
                           job_counts, budget_left);

    // SIGHUP must not kill a daemon; logs go to stderr (journald), so there is nothing to reopen.
    asio::signal_set hangup(io, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hangup = [&](const boost::system::error_code& ec, int) {
      if (ec)
        return;
      log(log_level::info, "sighup", {{"action", "none: logs go to stderr"}});
      hangup.async_wait(on_hangup);
    };
    hangup.async_wait(on_hangup);

    service_heartbeat heartbeat(io.get_executor(), [&] {
      const auto s = engine.stats();
      return "following " + std::to_string(s.polling) + " running job(s), " + std::to_string(s.active) +
             " upload/submit(s) in progress, " + std::to_string(server.open_connections()) + " connection(s)";
    });

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec)
        return;
      log(log_level::info, "stopping", {{"signal", std::to_string(sig)}});
      sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing requests and submits in progress");
      heartbeat.stop();
      server.stop();
      if (callback_server)
        callback_server->stop();
      engine.stop();
      if (notifier)
        notifier->stop();
      if (mirror)
        mirror->stop();
      if (listener)
        listener->stop();
      hangup.cancel();
      // Let requests and submits in progress finish (at most 10 s), then stop;
      // the store's writer flushes what is queued on destruction.
      asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await asio::post(io, asio::use_awaitable); // let the listeners' own stop steps run first
          asio::steady_timer tick(io);
          for (int i = 0; i < 100 && (server.open_connections() > 0 || engine.stats().active > 0); ++i) {
            tick.expires_after(std::chrono::milliseconds(100));
            co_await tick.async_wait(asio::use_awaitable);
          }
          io.stop();
        },
        asio::detached);
    });

    asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await engine.start();
        if (notifier)
          notifier->start();
        if (mirror)
          mirror->start();
        if (listener)
          listener->start();
        server.start();
        if (callback_server) {
          callback_server->start();
          log(log_level::info, "callbacks_listening",
              {{"listen", cfg.callbacks.listen->host + ":" + std::to_string(callback_server->port())},
               {"public_base_url", cfg.callbacks.public_base_url.value_or("(none: callbacks are not requested)")}});
        }
        log(log_level::info, "ready",
            {{"api", "http://" + cfg.api.listen.host + ":" + std::to_string(server.port())},
             {"unix_socket", cfg.api.unix_socket.value_or("-")},
             {"token", api_tokens.empty() ? "none" : "required"},
             {"store", store_name}});
        sd_notify(0, "READY=1");
        heartbeat.start();
      },
      [](std::exception_ptr e) {
        if (e)
          std::rethrow_exception(e);
      });
    io.run();
  } catch (const std::exception& e) {
    return fail("service", e.what());
  }
  // Our claims go at once: another daemon need not wait for the lease to run out.
  if (const auto released = (*store)->release_lease(); !released)
    log(log_level::warning, "lease_release_failed", {{"error", released.error().message()}});
  log(log_level::info, "stopped");
  return 0;
}
