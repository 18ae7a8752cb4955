#pragma once
// How many runs weshopd may have in flight toward WeShop (submitted, not yet
// seen finished): a congestion window learnt from WeShop's refusals. Pure: no
// clock, no I/O; not thread-safe (the engine's strand owns it).
//
// AIMD, not a gradient. Netflix's concurrency-limits offers both: gradient
// limits (GradientLimit, Gradient2Limit, Vegas) read queueing from round-trip
// times against a no-load RTT; AIMDLimit reads a loss signal. WeShop gives an
// explicit loss signal, 429 or an error envelope with retryable:true, when an
// account is at its capacity, and a refused run is not queued, so nothing
// shows in latency before the refusal. A run lasts seconds and its time
// depends on the agent, batchCount and image size, not on load: a gradient
// would get one sample per run, seconds apart, and mistake a slow agent for
// congestion. So:
//   - growth: slow start (+1 per accepted run, doubling per round) up to the
//     level of the last refusal storm's cut, then additive (+1 per window's
//     worth of accepted runs) up to the runs in flight when the storm began,
//     then a slow probe past them (+1 per `probe_rounds` windows' worth):
//     an account's capacity is a fixed count, and each probe past it costs a
//     429 and a Retry-After pause of every submit, so probing once a round
//     (plain AIMD) idled a third of the drain benchmark's time in pauses.
//     (The runs in flight are weshopd's count: a run WeShop has finished
//     counts until weshopd sees it, so that level may be too high; its
//     refusals then cut again, each storm from what was in flight then.)
//     Only while the window is at least half used (AIMDLimit's rule), so an
//     idle daemon does not drift up;
//   - shrink: on a refusal, window = max(1, min(window, in flight) x 0.9):
//     from what was really in flight, so a too-large window falls at once to
//     the account's capacity (a refusal with nothing of ours in flight is
//     not about our concurrency and cuts nothing), and 0.9 (AIMDLimit's default), not TCP's 0.5,
//     because the limit is a hard count: a halved window idles half of it;
//   - once per storm round: each submit takes a ticket when it leaves; a
//     refusal cuts only if its submit left after the last cut (TCP's recovery
//     point), so the N refusals of one burst cut once, not N times;
//   - bounds: 1 <= window <= upstream.max_running_runs (0: learn it, up to
//     learn_ceiling).

#include <cstddef>
#include <cstdint>

namespace weshopd::engine {

struct window_settings {
  std::size_t max_running = 0;      // upstream.max_running_runs; 0: learn it
  std::size_t initial = 4;          // the window before anything is known
  std::size_t learn_ceiling = 1 << 20; // the bound when max_running is 0: none in practice (slow start finds it)
  double backoff = 0.9;             // the cut on a refusal
  double probe_rounds = 32;         // windows of accepted runs per +1 past the known-good level
};

class concurrency_window {
public:
  explicit concurrency_window(window_settings settings);

  // The runs that may be in flight now (>= 1).
  std::size_t limit() const;
  bool has_room(std::size_t in_flight) const { return in_flight < limit(); }

  // A submit leaves: its ticket, to hand back with its outcome.
  std::uint64_t begin_submit() { return next_ticket_++; }
  // WeShop accepted the run of `ticket`; `in_flight` counts it. A submit
  // sent before the last cut does not grow the window.
  void on_accepted(std::uint64_t ticket, std::size_t in_flight);
  // WeShop refused it with 429 or retryable:true while `in_flight` runs
  // (this one excluded) were out. True when this refusal cut the window.
  bool on_refused(std::uint64_t ticket, std::size_t in_flight);

  // Changes the configured maximum (a reload); the window is clamped.
  void set_max_running(std::size_t max_running);
  std::size_t bound() const;
  std::uint64_t cuts() const { return cuts_; }
  bool slow_start() const { return window_ < threshold_; }

private:
  void clamp();

  window_settings settings_;
  double window_;
  double threshold_;               // slow start below, additive above
  double refused_at_;              // runs in flight when the last storm began: probe slowly near it
  std::uint64_t next_ticket_ = 1;
  std::uint64_t recovery_from_ = 0; // refusals of tickets below this were seen by the last cut
  bool in_storm_ = false;          // refused since the last acceptance
  std::uint64_t cuts_ = 0;
};

} // namespace weshopd::engine
