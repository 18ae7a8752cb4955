#pragma once
// weshop-sim's memory, without I/O: runs and how their status and result
// items move with time (markers sim:fail, sim:page-result, sim:partial,
// sim:short=K), uploaded images, faults waiting to be injected, the run
// requests received, and the statistics tests read. Single-threaded (the sim
// runs one io_context thread).

#include "sim_capacity.hpp"
#include "sim_durations.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace weshop_sim {

using steady = std::chrono::steady_clock;

// Wall-clock Unix microseconds: when callbacks went out, for bench/.
std::int64_t unix_now_us();

enum class fault_kind {
  latency,           // wait `ms`, then answer normally
  status,            // HTTP `status` (+ Retry-After) with an error envelope, or an HTML page when `html`
  api_error,         // success:false with `code` and `retryable`, HTTP `status`
  reset_before_read, // the next connection is reset before the TLS handshake completes
  reset_after_read,  // the request is read (and acted on), then the connection is reset
  truncate,          // the response is cut off halfway
  malformed,         // 200 with a body that is not JSON
  unknown_status,    // GET run reports a status no client knows ("Upscaling")
  redirect,          // 302 to the image host
  drip,              // the response trickles out one byte every `ms`
  stall,             // the request is read, nothing is ever answered
};

struct fault {
  std::string endpoint = "*"; // upload | runs | run | info | *
  fault_kind kind = fault_kind::status;
  unsigned status = 503;
  std::optional<int> retry_after{};
  bool retryable = false;
  bool html = false;
  std::string code = "SIM_FAULT";
  int ms = 0;
  int count = -1;    // how many requests it hits; -1: all
  double rate = 1.0; // the chance each matching request is hit (seeded)
};

std::optional<fault> fault_from_json(const boost::json::value& v, std::string& error);
boost::json::value to_json(const fault& f);

enum class callback_mode { off, once, duplicate, delayed, dropped, wrong_path };
inline constexpr int duplicate_callbacks = 5; // copies sent in `duplicate` mode, back to back
std::optional<callback_mode> parse_callback_mode(std::string_view text);

struct sim_run {
  std::string id;
  std::string agent;
  std::string version;
  boost::json::object input;
  boost::json::object params;
  std::string callback_url;
  steady::time_point created;
  std::int64_t created_unix_ms = 0; // the same instant on the wall clock, for GET /admin/runs
  timing phases;                    // this run's: the fixed ones, or drawn (--duration-lognormal)
  std::uint64_t polls = 0;          // GET /openapi/agent/runs/{id} answered for it
  std::string executed_at; // "2026-04-01 10:00:00"
  bool will_fail = false;
  bool page_results = false;        // taskName has "sim:page-result": result URLs answer an HTML page
  bool partial = false;             // taskName has "sim:partial": items appear one by one while Running
  std::optional<int> short_count{}; // taskName has "sim:short=K": only the first K items succeed
  int batch_count = 4;
};

// One POST /openapi/agent/runs as it arrived, for GET /admin/received.
struct received_run_request {
  std::optional<std::string> execution_id; // none when refused
  unsigned status = 0;                     // the HTTP status answered
  std::string body;                        // the bytes as received
};
inline constexpr std::size_t received_kept = 256;

class sim_state {
public:
  sim_state(std::uint64_t seed, timing t, double fail_rate);

  void set_images_base(std::string base) { images_base_ = std::move(base); }
  const timing& run_timing() const { return timing_; }

  // --- faults ---
  void set_faults(std::vector<fault> faults) { faults_ = std::move(faults); }
  const std::vector<fault>& faults() const { return faults_; }
  // The fault this request of `endpoint` meets, if any (consumes one count).
  std::optional<fault> take_fault(std::string_view endpoint);
  // True when the next connection should be reset before its handshake.
  bool take_connection_reset();

  // --- the API ---
  const sim_run& create_run(std::string agent, std::string version, boost::json::object input,
                            boost::json::object params, std::string callback_url);
  const sim_run* find_run(std::string_view id) const;
  sim_run* find_run(std::string_view id);
  std::string status_at(const sim_run& run, steady::time_point now) const;
  // The run's result items at `now`: all of them at Success (with sim:short=K
  // the items past K "Failed", without an image), the ones due so far while
  // Running with sim:partial, none otherwise.
  boost::json::array results_at(const sim_run& run, steady::time_point now) const;
  boost::json::object run_data(const sim_run& run, steady::time_point now, bool unknown_status) const;
  // Stores the bytes; returns the URL they are served at.
  std::string store_upload(std::string bytes, std::string_view extension);
  const std::string* find_upload(std::string_view name) const;

  // --- capacity (--max-running, --max-rps) ---
  sim_capacity capacity;
  // --- run durations (--duration-lognormal): applies to runs created after a change ---
  run_durations durations;

  // --- statistics ---
  void count_request(std::string_view endpoint) { ++requests_[std::string(endpoint)]; }
  std::uint64_t tls_handshakes = 0;
  std::uint64_t key_leaks = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t callbacks_sent = 0;
  std::uint64_t callbacks_dropped = 0;
  std::uint64_t callbacks_failed = 0;
  // When each run's callback went out (Unix microseconds): bench/ times callback -> SSE with it.
  std::unordered_map<std::string, std::int64_t> callback_sent_us;
  // When weshopd first fetched the run after its callback went out.
  std::unordered_map<std::string, std::int64_t> fetched_after_callback_us;
  // Requests the admin sink received (a callback target for self-tests).
  boost::json::array sink;
  // The last `received_kept` run requests, oldest first.
  void record_received(received_run_request r);
  boost::json::array received() const;
  // Every run, oldest first: {executionId, agent, taskName|null, status, createdAt,
  // terminalAt (unix ms; null until Success/Failed), polls} as of `now`.
  boost::json::array runs(steady::time_point now) const;
  boost::json::object stats();
  void reset(); // statistics, faults and received requests; runs and uploads stay

private:
  // How many of the run's result items exist at `now` (see results_at).
  int items_due(const sim_run& run, steady::time_point now) const;
  // The first fault that applies and, by its rate, hits (consuming one count).
  std::optional<fault> take_first(const std::function<bool(const fault&)>& applies);

  std::mt19937_64 rng_;
  std::mt19937_64 durations_rng_; // of its own: the same seed draws the same durations whatever else is random
  timing timing_;
  double fail_rate_;
  std::string images_base_;
  std::vector<fault> faults_;
  std::map<std::string, sim_run, std::less<>> runs_;
  std::map<std::string, std::string, std::less<>> uploaded_;
  std::map<std::string, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> runs_by_task_;
  std::map<std::string, std::uint64_t> runs_by_input_;
  std::deque<received_run_request> received_;
  std::uint64_t runs_created_ = 0;
  std::uint64_t uploads_ = 0;
};

} // namespace weshop_sim
