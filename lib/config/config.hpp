#pragma once
// weshopd's configuration: one validated struct from, in rising precedence,
// built-in defaults, the TOML file, WESHOPD_<SECTION>_<KEY> environment
// variables, and --set section.key=value flags. Every key is declared once in
// a table (settings_table.cpp) with its default and check; an unknown key, a
// bad value or a broken combination (validation.cpp) is an error naming the
// key. Values come typed: a choice is an enum, an amount is parsed (budget
// micros), so nothing downstream parses or checks them again. No I/O besides
// reading the file and checking that named files and directories exist (the
// secret files they name are read by secrets.hpp).
// Lower layers never include this: daemon/component_options.cpp turns
// settings into each component's own options.

#include "budget/budget_policy.hpp"
#include "common/log.hpp"
#include "http/address_policy.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::config {

struct listen_address {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const listen_address&, const listen_address&) = default;
};

enum class store_backend { sqlite, postgres };
enum class sqlite_synchronous { off, normal, full, extra };
enum class notify_events { terminal, all };

struct settings {
  struct {
    listen_address listen{"127.0.0.1", 8787};
    std::optional<std::string> unix_socket;
    std::optional<std::string> token_file;
    std::uint64_t heartbeat_seconds = 15; // a comment line on idle event streams
    std::vector<std::string> allowed_hosts; // names in Host besides localhost and IP literals (DNS rebinding)
  } api;
  struct {
    store_backend backend = store_backend::sqlite; // postgres: several hosts, one queue
    std::string path;                        // sqlite
    sqlite_synchronous synchronous = sqlite_synchronous::full; // sqlite
    std::optional<std::string> url;          // postgres: libpq URI or key=value string, TLS options included
    std::optional<std::string> password_file; // postgres: the password, never in the URL
    std::uint64_t lease_seconds = 30;        // postgres: a dead daemon's jobs wait this long for another
  } store;
  struct {
    std::optional<std::string> test_origin;
    std::optional<std::string> ca_file;
    std::uint64_t max_running_runs = 0;        // runs in flight toward WeShop at most; 0: learn it from 429s
    std::uint64_t max_requests_per_second = 0; // submits and polls together; 0: learn it from 429s
  } upstream;
  struct {
    std::vector<std::string> roots;
    std::optional<std::string> dir; // weshopd's copies of input images; default: uploads/ beside store.path
    std::uint64_t max_total_bytes = 2ull * 1024 * 1024 * 1024; // past it uploads get 507, nothing written
  } uploads;
  struct {
    std::uint64_t max_body = 16 * 1024 * 1024;
    std::uint64_t max_header = 16 * 1024;
    std::uint64_t max_connections = 1024;             // open client connections (idle ones make room)
    std::uint64_t max_streams = 256;                  // SSE streams and ?wait long-polls at once; then 503
    std::uint64_t max_body_memory = 256 * 1024 * 1024; // request bodies held at once; then 503
  } limits;
  struct {
    std::optional<listen_address> listen;
    std::optional<std::string> public_base_url;
    std::uint64_t safety_poll_seconds = 300; // polling while callbacks are on: a lost one only delays
    std::vector<std::string> trusted_proxies; // addresses whose X-Forwarded-For / Forwarded are believed
  } callbacks;
  struct {
    std::optional<std::string> url;         // default local webhook for jobs that name none
    notify_events events = notify_events::terminal;
    std::optional<std::string> secret_file; // the Standard Webhooks signing secret
  } notify;
  struct {
    bool mirror = true;                  // keep a copy of each result image (WeShop's URLs expire)
    std::optional<std::string> dir;      // default: results/ beside store.path
    std::uint64_t max_image_bytes = 32 * 1024 * 1024;
    std::uint64_t retention_days = 30;   // copies older than this are deleted
    std::uint64_t max_total_bytes = 10ull * 1024 * 1024 * 1024; // beyond it the oldest copies go first
  } results;
  struct {
    // Finished jobs older than this (by finish time) are deleted with their
    // events, deliveries, keys and copies, hourly; 0 keeps every job.
    std::uint64_t retention_days = 90;
  } jobs;
  struct {
    // Networks (CIDR) that notify, alerts and the mirror may reach besides
    // public addresses; loopback, private, link-local ... are refused otherwise.
    std::vector<http::ip_network> allow;
  } outbound;
  struct {
    std::string currency = "images";        // the unit of prices and budgets
    // Amounts in micros, parsed from "name=amount" entries.
    std::map<std::string, budget::micros> prices;    // "agent" or "agent/generateVersion" -> per image; default 1
    std::optional<budget::micros> daily;             // the global daily budget; none: no cap
    std::map<std::string, budget::micros> per_agent; // agent -> per day
    std::map<std::string, budget::micros> per_token; // token name -> per day (api.token_file names its tokens)
    std::uint64_t reset_hour = 0;            // local time the budget day starts, 0-23
    budget::over_budget policy = budget::over_budget::reject; // reject (429) | hold (queued until the reset)
    std::optional<std::string> alert_url;    // POSTed to at 80 % and 100 % of a budget (signed like notify)
  } budget;
  struct {
    std::uint64_t identical_requests = 20;   // more identical POSTs without Idempotency-Key than this ...
    std::uint64_t window_seconds = 60;       // ... within this: 429 duplicate_suspected
  } breaker;
  struct {
    std::uint64_t deadline_seconds = 1800; // per job, unless the request sets ?deadline=
    std::uint64_t poll_initial_ms = 1000;
    std::uint64_t poll_cap_ms = 30000;
    bool adaptive_polling = true;
    std::uint64_t max_concurrent_polls = 32;
    std::uint64_t max_concurrent_submits = 16;
    std::uint64_t polls_per_second = 50;
    std::uint64_t max_waiting_jobs = 10000; // accepted but not yet running; beyond it POST answers 503
  } engine;
  struct {
    // false: no window, pause or shared budget (each job backs off alone),
    // first come first served.
    bool enabled = true;
    std::vector<std::string> weights; // "token-name=N": N turns per round (1 by default)
  } scheduler;
  struct {
    log_level level = log_level::info; // lines below it are not written
  } log;
};

struct error {
  std::string key; // "limits.max_body", or "" for the file as a whole
  std::string message;
  std::string to_string() const { return key.empty() ? message : key + ": " + message; }
};

struct sources {
  std::optional<std::string> file{};                 // --config
  std::map<std::string, std::string> environment{}; // the process environment
  std::vector<std::string> overrides{};             // --set section.key=value
};

// Defaults, then file, then environment, then overrides; then every check.
// Returns the settings or every error found.
struct load_result {
  settings values;
  std::vector<error> errors;
  explicit operator bool() const { return errors.empty(); }
};
load_result load(const sources& from);

// The environment of this process as a map.
std::map<std::string, std::string> process_environment();

// Every key the table knows, as "section.key" (for docs and tests).
std::vector<std::string> known_keys();

} // namespace weshopd::config
