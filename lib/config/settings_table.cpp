// The settings table: every key once, with its kind, check and what it is for
// (see settings_table.hpp; each kind is made in settings_kinds.cpp).
#include "config/settings_table.hpp"
#include "config/settings_kinds.hpp"

#include "budget/budget_policy.hpp"

#include <algorithm>
#include <cctype>

namespace weshopd::config::detail {
namespace {

// about(...): one line on what a setting does, for the generated reference
// (weshopd --print-config-reference, docs/configuration.md, weshopd.conf(5)).
//
// live(...): what a reload (SIGHUP) applies at once. Those are values read
// afresh per request or per connection: tokens, budgets and prices, notify
// defaults, the outbound allow-list, the log level, the scheduler's weights
// (read at each turn of the waiting queue), and the per-request parser
// limits (limits.max_body, limits.max_header). Everything else is kept until a
// restart: listeners, the store, the upstream origin and CA, and whatever was
// sized or built once at start: connection, stream and memory caps (counted
// against as they are held), the engine's concurrency and rates, the breaker,
// the mirror and the notifier's secret and existence, budget.currency (the
// alert sender's unit and the ledger's), budget.alert_url and budget.policy
// (held jobs have their admitter only when it is `hold` at start).

// The local API.
std::vector<setting> api_settings()
{
  return {
    about("The local API's TCP address (loopback by default; IPv6 as `[addr]:port`).",
          address("api.listen", [](settings& s) -> auto& { return s.api.listen; })),
    about("Also serve the local API on this unix socket (mode 0660, removed on stop).",
          optional_text("api.unix_socket", [](settings& s) -> auto& { return s.api.unix_socket; }, "path")),
    about("API tokens, one per line (`token`, `name token` or `name token admin`): then every route but "
          "`/healthz` and the dashboard's files needs `Authorization: Bearer <token>`.",
          live(optional_text("api.token_file", [](settings& s) -> auto& { return s.api.token_file; }, "path"))),
    about("Seconds between the heartbeat comments of an idle event stream.",
          number("api.heartbeat_seconds", [](settings& s) -> auto& { return s.api.heartbeat_seconds; })),
    about("Host names browsers may use for the API besides localhost and IP addresses; any other `Host` gets 421 "
          "(DNS rebinding).",
          list("api.allowed_hosts", "host names", [](settings& s) -> auto& { return s.api.allowed_hosts; })),
  };
}

// Where jobs are kept, and where runs go.
std::vector<setting> store_settings()
{
  return {
    about("Where jobs are kept: `sqlite` (one host) or `postgres` (several hosts sharing one queue).",
          choice<store_backend>("store.backend", {{"sqlite", store_backend::sqlite}, {"postgres", store_backend::postgres}},
                                [](settings& s) -> auto& { return s.store.backend; })),
    about("postgres: a libpq URI or key=value string, TLS options included; never the password.",
          optional_text("store.url", [](settings& s) -> auto& { return s.store.url; },
                        "libpq URI or key=value string")),
    about("postgres: the file holding the database password.",
          optional_text("store.password_file", [](settings& s) -> auto& { return s.store.password_file; }, "path")),
    about("postgres: a daemon that stops answering leaves its jobs to the others after this many seconds (3 or more).",
          number("store.lease_seconds", [](settings& s) -> auto& { return s.store.lease_seconds; })),
    about("sqlite: the database file; unset: `$STATE_DIRECTORY/weshopd.db` (required outside systemd).",
          bound<std::string>(text("store.path",
                                  [](settings& s, const std::string& t) {
                                    s.store.path = t;
                                    return std::string{};
                                  }),
                             [](settings& s) -> auto& { return s.store.path; })),
    about("sqlite: when a write is acknowledged; `full`: an acknowledged job survives a power loss.",
          choice<sqlite_synchronous>("store.synchronous",
                                     {{"off", sqlite_synchronous::off},
                                      {"normal", sqlite_synchronous::normal},
                                      {"full", sqlite_synchronous::full},
                                      {"extra", sqlite_synchronous::extra}},
                                     [](settings& s) -> auto& { return s.store.synchronous; })),
    about("Test mode only: the simulator's origin instead of `https://openapi.weshop.ai` (needs `upstream.ca_file`).",
          optional_text("upstream.test_origin", [](settings& s) -> auto& { return s.upstream.test_origin; }, "URL")),
    about("Test mode only: the CA file that signs the simulator's certificate (TLS is always verified).",
          optional_text("upstream.ca_file", [](settings& s) -> auto& { return s.upstream.ca_file; }, "path")),
    about("Runs in flight toward WeShop at most (the account's capacity); 0: learn it from WeShop's 429s.",
          zero_or_more("upstream.max_running_runs", "must be a whole number (0: learn it)",
                       [](settings& s) -> auto& { return s.upstream.max_running_runs; })),
    about("Requests per second toward WeShop, submits and polls together; 0: learn it (no limit until WeShop "
          "answers a poll with 429, then half the rate sent, creeping up while no 429 comes).",
          zero_or_more("upstream.max_requests_per_second", "must be a whole number (0: learn it)",
                       [](settings& s) -> auto& { return s.upstream.max_requests_per_second; })),
  };
}

// Input files, and the caps on what clients may hold.
std::vector<setting> limit_settings()
{
  return {
    about("Directories local input images may come from (absolute); none: local files are refused.",
          list("uploads.roots", "directories", [](settings& s) -> auto& { return s.uploads.roots; })),
    about("weshopd's own copies of input images; unset: `uploads/` beside `store.path` (or in `$STATE_DIRECTORY`).",
          optional_text("uploads.dir", [](settings& s) -> auto& { return s.uploads.dir; }, "path")),
    about("`uploads.dir` never holds more: past it an upload gets 507 and nothing is written.",
          size("uploads.max_total_bytes", [](settings& s) -> auto& { return s.uploads.max_total_bytes; })),
    about("The largest request body; a larger one gets 413.",
          live(size("limits.max_body", [](settings& s) -> auto& { return s.limits.max_body; }))),
    about("The largest request header block; a larger one gets 431.",
          live(size("limits.max_header", [](settings& s) -> auto& { return s.limits.max_header; }))),
    about("Open client connections; the oldest idle one makes room, and only an all-busy server answers 503.",
          number("limits.max_connections", [](settings& s) -> auto& { return s.limits.max_connections; })),
    about("Event streams and `?wait` long-polls at once; then 503 + `Retry-After`.",
          number("limits.max_streams", [](settings& s) -> auto& { return s.limits.max_streams; })),
    about("Request bodies held in memory at once; then 503 + `Retry-After`.",
          size("limits.max_body_memory", [](settings& s) -> auto& { return s.limits.max_body_memory; })),
  };
}

// Callbacks from WeShop, and webhooks to local apps.
std::vector<setting> callback_settings()
{
  return {
    about("The callback listener (unset: none); the only listener a reverse proxy may expose.",
          optional_address("callbacks.listen", [](settings& s) -> auto& { return s.callbacks.listen; })),
    about("The public https base URL WeShop calls back at `/callbacks/weshop/{job id}/{token}`; unset: no callbacks.",
          optional_text("callbacks.public_base_url",
                        [](settings& s) -> auto& { return s.callbacks.public_base_url; }, "URL")),
    about("With callbacks on, a run is still polled this often (seconds), so a lost callback only delays.",
          number("callbacks.safety_poll_seconds", [](settings& s) -> auto& { return s.callbacks.safety_poll_seconds; })),
    about("Proxies whose `X-Forwarded-For` / `Forwarded` name the client in the log.",
          list("callbacks.trusted_proxies", "IP addresses",
               [](settings& s) -> auto& { return s.callbacks.trusted_proxies; })),
    about("The local webhook for jobs whose request names none; unset: none.",
          live(optional_text("notify.url", [](settings& s) -> auto& { return s.notify.url; }, "URL"))),
    about("What a webhook is sent for: `terminal` (the job's end) or `all` (every transition).",
          live(choice<notify_events>("notify.events", {{"terminal", notify_events::terminal}, {"all", notify_events::all}},
                                     [](settings& s) -> auto& { return s.notify.events; }))),
    about("The Standard Webhooks signing secret (`whsec_<base64>` or raw, 16 bytes or more); needed for any webhook.",
          optional_text("notify.secret_file", [](settings& s) -> auto& { return s.notify.secret_file; }, "path")),
  };
}

// Result copies, retention, and where weshopd may connect.
std::vector<setting> retention_settings()
{
  return {
    about("Keep a copy of each result image (WeShop's URLs expire), served at `GET /v1/jobs/{id}/results/{n}`; "
          "on by default, bounded by the retention and size cap below (off when there is no `results.dir`: "
          "postgres outside systemd).",
          flag("results.mirror", [](settings& s) -> auto& { return s.results.mirror; })),
    about("Where result copies go; unset: `results/` beside `store.path` (or in `$STATE_DIRECTORY`).",
          optional_text("results.dir", [](settings& s) -> auto& { return s.results.dir; }, "path")),
    about("A bigger result image is not copied.",
          size("results.max_image_bytes", [](settings& s) -> auto& { return s.results.max_image_bytes; })),
    about("Result copies older than this many days are deleted (the job stays).",
          number("results.retention_days", [](settings& s) -> auto& { return s.results.retention_days; })),
    about("Beyond this, the oldest result copies are deleted first.",
          size("results.max_total_bytes", [](settings& s) -> auto& { return s.results.max_total_bytes; })),
    about("Finished jobs are deleted with their events, deliveries, keys and copies this many days after they "
          "finished; 0 keeps every job.",
          zero_or_more("jobs.retention_days",
                       "must be a whole number of days, 0 or more (0 keeps every job; a negative number is not a "
                       "retention)",
                       [](settings& s) -> auto& { return s.jobs.retention_days; })),
    about("Networks webhooks, budget alerts and result copies may reach besides public addresses (loopback, "
          "private, link-local ... are refused otherwise).",
          live(network_list("outbound.allow", [](settings& s) -> auto& { return s.outbound.allow; }))),
  };
}

// Prices and budgets.
std::vector<setting> budget_settings()
{
  return {
    about("The unit of prices and budgets.",
          bound<std::string>(text("budget.currency",
                                  [](settings& s, const std::string& t) {
                                    s.budget.currency = t;
                                    return t.empty() ? std::string("must not be empty") : std::string{};
                                  }),
                             [](settings& s) -> auto& { return s.budget.currency; })),
    about("Prices per image, `agent=price` or `agent/generateVersion=price`; an agent not listed costs 1.",
          live(amounts("budget.prices", "agent=price entries", [](settings& s) -> auto& { return s.budget.prices; }))),
    about("What all jobs together may cost per budget day; unset: no cap.",
          live(bound<std::optional<budget::micros>>(
            text_or_integer("budget.daily", "amount",
                            [](settings& s, const std::string& t) {
                              s.budget.daily = budget::parse_amount(t);
                              return s.budget.daily ? std::string{}
                                                    : "must be an amount (a number with at most 6 decimals)";
                            }),
            [](settings& s) -> auto& { return s.budget.daily; }))),
    about("What each agent's jobs may cost per budget day, `agent=amount`.",
          live(amounts("budget.per_agent", "agent=amount entries",
                       [](settings& s) -> auto& { return s.budget.per_agent; }))),
    about("What each API token's jobs may cost per budget day, `name=amount` (names from `api.token_file`).",
          live(amounts("budget.per_token", "name=amount entries",
                       [](settings& s) -> auto& { return s.budget.per_token; }))),
    about("The local hour (0-23) at which a budget day starts.",
          live(bound<std::uint64_t>(
            text_or_integer("budget.reset_hour", "hour, 0 to 23",
                            [](settings& s, const std::string& t) -> std::string {
                              if (t.size() > 2 || t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit) ||
                                  std::stoi(t) > 23)
                                return "must be an hour, 0 to 23";
                              s.budget.reset_hour = static_cast<std::uint64_t>(std::stoi(t));
                              return {};
                            }),
            [](settings& s) -> auto& { return s.budget.reset_hour; }))),
    about("Over budget: `reject` (429 `budget_exceeded`) or `hold` (accepted, queued until the budget allows).",
          choice<budget::over_budget>("budget.policy",
                                      {{"reject", budget::over_budget::reject}, {"hold", budget::over_budget::hold}},
                                      [](settings& s) -> auto& { return s.budget.policy; })),
    about("POSTed to at 80 % and 100 % of a budget (signed like webhooks, with `notify.secret_file`).",
          optional_text("budget.alert_url", [](settings& s) -> auto& { return s.budget.alert_url; }, "URL")),
  };
}

// "name=N" with N in 1..1000 (the engine's parse_weights reads it the same way).
bool weight_entry(const std::string& e)
{
  const auto eq = e.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == e.size() || e.size() - eq > 5)
    return false;
  const auto digits = e.substr(eq + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  const auto n = std::stoul(digits);
  return n >= 1 && n <= 1000;
}

// Which waiting job is submitted next, and how fast.
std::vector<setting> scheduler_settings()
{
  auto weights = list("scheduler.weights", "\"token-name=N\" entries",
                      [](settings& s) -> auto& { return s.scheduler.weights; });
  weights.apply = [inner = weights.apply](settings& to, const raw& v) {
    auto problem = inner(to, v);
    if (problem.empty())
      for (const auto& e : to.scheduler.weights)
        if (!weight_entry(e))
          return "\"" + e + "\" must be \"token-name=N\" with N from 1 to 1000";
    return problem;
  };
  return {
    about("true: adaptive concurrency, one pause on `Retry-After`, one request budget for submits and polls, and "
          "the fair queue with priorities; false: each job backs off on its own, first come first served (as "
          "before 0.2).",
          flag("scheduler.enabled", [](settings& s) -> auto& { return s.scheduler.enabled; })),
    about("Turns per round of the waiting queue by token name (`[\"shop-a=3\"]`); 1 for a token not named.",
          live(std::move(weights))),
  };
}

// The duplicate breaker, the engine's pace, the log.
std::vector<setting> engine_settings()
{
  return {
    about("More identical job requests without an Idempotency-Key than this within the window get 429 "
          "`duplicate_suspected`.",
          number("breaker.identical_requests", [](settings& s) -> auto& { return s.breaker.identical_requests; })),
    about("The window of `breaker.identical_requests`, in seconds.",
          number("breaker.window_seconds", [](settings& s) -> auto& { return s.breaker.window_seconds; })),
    about("A job not finished this many seconds after it was accepted fails with `deadline_exceeded` "
          "(`POST /v1/jobs?deadline=N` sets one job's).",
          number("engine.deadline_seconds", [](settings& s) -> auto& { return s.engine.deadline_seconds; })),
    about("The first poll of a run after its submit (ms); then doubling, with jitter, up to `engine.poll_cap_ms`.",
          number("engine.poll_initial_ms", [](settings& s) -> auto& { return s.engine.poll_initial_ms; })),
    about("The longest wait between two polls of a run (ms).",
          number("engine.poll_cap_ms", [](settings& s) -> auto& { return s.engine.poll_cap_ms; })),
    about("Poll each run when runs of its agent and version usually end (learned from the runs this daemon "
          "followed: the poll times that notice their ends soonest on average at no more polls than the back-off; "
          "sparse early, close where most runs end, the back-off past the usual tail, never sooner than "
          "`engine.poll_initial_ms`); false: the back-off alone. Ignored while callbacks are on.",
          flag("engine.adaptive_polling", [](settings& s) -> auto& { return s.engine.adaptive_polling; })),
    about("Polls of runs in flight at once.",
          number("engine.max_concurrent_polls", [](settings& s) -> auto& { return s.engine.max_concurrent_polls; })),
    about("Uploads and run submits in flight at once.",
          number("engine.max_concurrent_submits",
                 [](settings& s) -> auto& { return s.engine.max_concurrent_submits; })),
    about("All polls together, per second at most (a token bucket).",
          number("engine.polls_per_second", [](settings& s) -> auto& { return s.engine.polls_per_second; })),
    about("Jobs accepted but not yet running; beyond it `POST /v1/jobs` answers 503 + `Retry-After`.",
          number("engine.max_waiting_jobs", [](settings& s) -> auto& { return s.engine.max_waiting_jobs; })),
    about("Lines below this level are not written; `debug` adds a line per API request.",
          live(choice<log_level>("log.level",
                                 {{"debug", log_level::debug},
                                  {"info", log_level::info},
                                  {"warning", log_level::warning},
                                  {"error", log_level::error}},
                                 [](settings& s) -> auto& { return s.log.level; }))),
  };
}

} // namespace

const std::vector<setting>& table()
{
  static const std::vector<setting> all = [] {
    std::vector<setting> out;
    for (auto part : {api_settings, store_settings, limit_settings, callback_settings, retention_settings,
                      budget_settings, engine_settings, scheduler_settings})
      for (auto& s : part())
        out.push_back(std::move(s));
    return out;
  }();
  return all;
}

const setting* find(std::string_view name)
{
  for (const auto& s : table())
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string env_name(std::string_view name)
{
  std::string out = "WESHOPD_";
  for (char c : name)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

} // namespace weshopd::config::detail

namespace weshopd::config {

std::vector<std::string> known_keys()
{
  std::vector<std::string> keys;
  for (const auto& s : detail::table())
    keys.emplace_back(s.name);
  return keys;
}

} // namespace weshopd::config
