#include "engine/poller.hpp"

#include "engine/poll_pacing.hpp"
#include "engine/transitions.hpp"
#include "metrics/registry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <limits>
#include <utility>

namespace weshopd::engine {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The error a Failed run reports, if it reports one.
job_error run_failure(const weshop::run& r)
{
  job_error e{"run_failed", "WeShop reports the run as " + r.status, false};
  if (const auto* execs = r.raw.if_contains("executions"); execs && execs->is_array() && !execs->get_array().empty())
    if (const auto* last = execs->get_array().back().if_object())
      if (const auto* err = last->if_contains("error"); err && err->is_object()) {
        if (const auto* c = err->get_object().if_contains("code"); c && c->is_string())
          e.code = c->get_string();
        if (const auto* m = err->get_object().if_contains("message"); m && m->is_string())
          e.message = m->get_string();
      }
  return e;
}

json::array results_json(const weshop::run& r)
{
  json::array out;
  for (const auto& item : r.results)
    out.push_back(json::object{{"status", item.status}, {"image", item.image}});
  return out;
}

// Images a finished run produced (each is billed): its results marked Success.
std::int64_t produced_images(const weshop::run& r)
{
  return std::count_if(r.results.begin(), r.results.end(), [](const auto& item) { return item.status == "Success"; });
}

// The job as the poller knows it: running. No store read on this hot path;
// any other state makes the compare-and-set refuse.
job running_job(const std::string& id)
{
  job j;
  j.id = id;
  j.state = job_state::running;
  return j;
}

} // namespace

poller::poller(engine_context& ctx) : ctx_(ctx), wake_(ctx.executor)
{
  timing_.initial = ctx.options.poll_initial;
  timing_.cap = ctx.options.poll_cap;
  if (ctx.options.callback_base) // with callbacks, polling is a slow safety net
    timing_.safety_poll = ctx.options.safety_poll;
  timing_.hint_interval = ctx.options.hint_interval;
}

void poller::schedule(const std::string& id, timestamp due)
{
  if (const auto it = polling_.find(id); it != polling_.end())
    it->second.next_poll = due;
  polls_.schedule(id, due);
  if (!wake_at_ || due < *wake_at_)
    wake_.cancel(); // the scheduler re-reads the earliest due time
}

void poller::expect_run(const job& j, const std::string& token_hash)
{
  auto& s = polling_[j.id];
  if (!s.awaiting_run)
    ++awaiting_runs_;
  s = poll_state{};
  s.awaiting_run = true;
  s.deadline = j.deadline_at;
  s.token_hash = token_hash;
}

void poller::run_started(const job& j, const std::string& execution_id, timestamp due)
{
  auto& s = polling_[j.id];
  if (std::exchange(s.awaiting_run, false))
    --awaiting_runs_;
  s.execution_id = execution_id;
  s.deadline = j.deadline_at;
  s.last_status = "Pending";
  s.run_key = run_time_key(j.agent, j.agent_version, j.params);
  s.started = now_ms(); // (the POST's answer came just before the durable write)
  s.unfinished_at = std::chrono::milliseconds::zero();
  s.expected_finish = j.expected_finish_at;
  s.planned = false;
  if (const auto* plan = plan_for(s)) {
    s.planned = true;
    due = *s.started + learned_poll_delay(timing_, s.counts, std::chrono::milliseconds::zero(), plan, ctx_.unit());
  }
  if (s.hinted) // a callback came while the POST or the write was under way
    due = now_ms();
  s.hinted = false;
  schedule(j.id, due);
}

void poller::follow_running(const job& j, timestamp due)
{
  auto& s = polling_[j.id];
  if (std::exchange(s.awaiting_run, false))
    --awaiting_runs_;
  s.execution_id = j.execution_id.value_or("");
  s.deadline = j.deadline_at;
  s.last_status = j.upstream_status.value_or("");
  s.last_results = j.results.size();
  s.token_hash = j.callback_token_hash.value_or("");
  schedule(j.id, due);
}

void poller::forget(const std::string& id)
{
  polls_.remove(id);
  let_go(id);
}

void poller::let_go(const std::string& id)
{
  const auto it = polling_.find(id);
  if (it == polling_.end())
    return;
  if (it->second.awaiting_run)
    --awaiting_runs_;
  polling_.erase(it);
  if (ctx_.sched.on_run_ended)
    ctx_.sched.on_run_ended();
}

const poller::poll_state* poller::find(const std::string& id) const
{
  const auto it = polling_.find(id);
  return it == polling_.end() ? nullptr : &it->second;
}

bool poller::hint(const std::string& id)
{
  auto& s = polling_.at(id);
  const auto d = decide_hint(timing_, !s.execution_id.empty(), s.in_flight, now_ms(), s.last_poll, s.next_poll);
  switch (d.action) {
  case hint_action::remember: s.hinted = true; return false; // acted on when the submit or the GET ends
  case hint_action::already_due: return false;
  case hint_action::poll_at: schedule(id, d.at); return true;
  }
  return false;
}

// Polls start when due, within the concurrency cap and the rate.
asio::awaitable<void> poller::run(keep_alive self)
{
  poll_bucket bucket(ctx_.options.polls_per_second, now_ms());
  for (;;) {
    const bool stopped = co_await this_task_cancelled(); // (stop() before the first wait)
    if (stopped)
      co_return;
    const auto now = now_ms();
    bucket.refill(now);
    auto budget = budget_room(now);
    for (auto& id : polls_.take_due(now, std::min(budget, poll_room(ctx_.options.max_concurrent_polls, in_flight_, bucket)))) {
      if (ctx_.sched.enabled) {
        ctx_.sched.budget.try_take(request_kind::poll, now); // (there is room: budget_room counted it)
        --budget;
      }
      bucket.take();
      ++in_flight_;
      auto poll = poll_one(self, id);
      if (!ctx_.work.spawn(ctx_.executor, std::move(poll)))
        --in_flight_; // stopping: the poll never starts
    }
    const auto at = next_wake(polls_.next_due(), now, bucket, budget_ready(budget, now));
    wake_at_ = at;
    wake_.expires_at(at);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    wake_at_.reset();
    // (wake_ is also cancelled to re-read the due times: only stop() ends the loop.)
    const bool cancelled = co_await this_task_cancelled();
    if (cancelled)
      co_return;
  }
}

// Scheduling on: a poll draws from the request budget submits use too, so
// only as many due polls leave the queue as the budget has tokens for.
std::size_t poller::budget_room(timestamp now)
{
  auto& s = ctx_.sched;
  return s.enabled ? s.budget.available(request_kind::poll, now) : std::numeric_limits<std::size_t>::max();
}

// When the budget next lets a poll start, if it is what holds due polls back
// (`room_left`: what budget_room gave, less the polls just started).
std::optional<timestamp> poller::budget_ready(std::size_t room_left, timestamp now)
{
  if (room_left > 0)
    return std::nullopt;
  return ctx_.sched.budget.next_available(request_kind::poll, now);
}

asio::awaitable<void> poller::poll_one(keep_alive, std::string id)
{
  struct done_guard {
    poller& p;
    ~done_guard()
    {
      --p.in_flight_;
      p.wake_.cancel(); // room for the next due polls
    }
  } guard{*this};

  const auto it = polling_.find(id);
  if (it == polling_.end())
    co_return;
  const auto execution_id = it->second.execution_id;
  it->second.in_flight = true;
  it->second.last_poll = now_ms();
  auto r = co_await ctx_.client.get_run(execution_id);
  if (!r && r.error().http_status == 429)
    ctx_.sched.budget.on_rate_limited(now_ms()); // polls and submits share the one budget

  // Canceled while we asked? cancel() drops the entry; any other change the
  // compare-and-set refuses.
  auto entry = polling_.find(id);
  if (entry == polling_.end())
    co_return;
  entry->second.in_flight = false;
  const auto now = now_ms();
  if (r && weshop::is_terminal(r->state)) {
    learn(entry->second, now);
    co_await record_end(id, *r);
    let_go(id);
    co_return;
  }
  if (entry->second.deadline && now >= *entry->second.deadline) {
    const job_error error{"deadline_exceeded", "the run did not finish before the job's deadline", false};
    const auto current = running_job(id);
    co_await fail_job(ctx_, current, error);
    let_go(id);
    co_return;
  }
  if (!r)
    count_retry("poll");
  const auto retry_after = r ? std::optional<std::chrono::seconds>{} : r.error().retry_after;
  const auto delay = r ? answered_delay(entry->second, now)
                       : poll_delay(timing_, entry->second.counts, false, ctx_.unit(), retry_after);
  if (r) {
    const auto expected_finish = overstayed(entry->second, now, delay);
    const bool kept = co_await record_progress(id, *r, now + delay, expected_finish);
    if (!kept) {
      let_go(id);
      co_return;
    }
  }
  entry = polling_.find(id);
  if (entry == polling_.end())
    co_return;
  auto& state = entry->second;
  const auto due = next_poll_due(timing_, now, delay, state.hinted, state.last_poll);
  state.hinted = false;
  schedule(id, due);
}

std::chrono::milliseconds poller::answered_delay(poll_state& s, timestamp now)
{
  if (s.started) // it was unfinished when this GET left
    s.unfinished_at = std::chrono::duration_cast<std::chrono::milliseconds>(s.last_poll - *s.started);
  // A run keeps the schedule it started on: one begun on the back-off has
  // paid its early polls, and a plan's close polls near the end would come
  // on top of them (switching cost the bench 1.7x today's polls per run).
  const auto* plan = s.planned ? plan_for(s) : nullptr;
  if (!plan)
    return poll_delay(timing_, s.counts, true, ctx_.unit());
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - *s.started);
  return learned_poll_delay(timing_, s.counts, elapsed, plan, ctx_.unit());
}

// The plan for a run followed from its start, when polls follow one
// (adaptive polling on, and no callbacks: they come first).
const poll_plan* poller::plan_for(const poll_state& s)
{
  if (!ctx_.options.adaptive_polling || timing_.safety_poll || !s.started)
    return nullptr;
  return ctx_.run_times.plan(s.run_key, timing_, now_ms(), [&] {
    std::vector<std::chrono::milliseconds> going; // how long each run of the key lasted at least
    for (const auto& [id, other] : polling_)
      if (other.started && other.unfinished_at.count() > 0 && other.run_key == s.run_key)
        going.push_back(other.unfinished_at);
    return going;
  });
}

// A run still going past its expectedFinishAt: a later one, the median of
// the longer runs of its kind (never before the next poll, the earliest it
// can be seen ending). Nothing when it is not overdue (or was never expected).
std::optional<timestamp> poller::overstayed(poll_state& s, timestamp now, std::chrono::milliseconds delay)
{
  if (!s.expected_finish || now < *s.expected_finish || !s.started)
    return std::nullopt;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - *s.started);
  const auto end = ctx_.run_times.expected_end(s.run_key, elapsed);
  const auto at = std::max(end ? *s.started + *end : now, now + delay);
  s.expected_finish = at;
  return at;
}

// The run ended after the last GET that saw it unfinished and before this
// answer: the interval is what is known (a coarse schedule must not teach the
// estimate its own lateness).
void poller::learn(const poll_state& s, timestamp now)
{
  if (!s.started || s.run_key.empty())
    return;
  const auto ended_by = std::chrono::duration_cast<std::chrono::milliseconds>(now - *s.started);
  ctx_.run_times.observe(s.run_key, s.unfinished_at, ended_by, now);
}

asio::awaitable<void> poller::record_end(const std::string& id, const weshop::run& r)
{
  store::job_patch p;
  p.upstream_status = r.status;
  p.results = results_json(r);
  const bool success = r.state == weshop::run_state::success;
  if (!success)
    p.error = run_failure(r);
  p.mirror_results = success && ctx_.options.mirror_results;
  p.images_actual = produced_images(r);
  const std::string detail = success ? "run succeeded" : "run failed";
  const auto to = success ? job_state::succeeded : job_state::failed;
  const auto current = running_job(id);
  const auto ended = co_await transition_with_retry(ctx_, current, to, p, detail);
  if (ended && *p.images_actual > 0)
    metrics::process_registry()
      .counter_of("weshopd_spend_images_total", "Images WeShop produced (and billed), by agent.",
                  {{"agent", ended->agent}})
      .add(static_cast<std::uint64_t>(*p.images_actual));
}

// A new status, or result items the run shows before its end (the guide's
// example: Running with a Success item), or a later expectedFinishAt. They
// are final, and billed, only at the end. False when the job is no longer
// running here.
asio::awaitable<bool> poller::record_progress(const std::string& id, const weshop::run& r, timestamp next,
                                             std::optional<timestamp> expected_finish)
{
  auto& state = polling_.at(id); // the caller found it; read before any suspension
  if (r.status == state.last_status && r.results.size() == state.last_results && !expected_finish)
    co_return true;
  state.last_status = r.status;
  state.last_results = r.results.size();
  store::job_patch p;
  p.upstream_status = r.status;
  p.results = results_json(r);
  p.next_attempt_at = next;
  if (expected_finish)
    p.expected_finish_at = expected_finish;
  const std::string detail;
  const auto current = running_job(id);
  const auto moved = co_await transition_with_retry(ctx_, current, job_state::running, p, detail);
  co_return static_cast<bool>(moved);
}

} // namespace weshopd::engine
