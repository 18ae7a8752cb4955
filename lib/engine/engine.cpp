// The engine's facade: owns the shared context and the parts, and wires
// them. The work itself is in the parts: intake (queued -> running),
// poller (running -> the end), callbacks, held_jobs, recovery.

#include "engine/engine.hpp"

#include "budget/budget_policy.hpp"
#include "engine/callbacks.hpp"
#include "engine/context.hpp"
#include "engine/held_jobs.hpp"
#include "engine/intake.hpp"
#include "engine/poller.hpp"
#include "engine/recovery.hpp"
#include "engine/run_time_saver.hpp"
#include "engine/transitions.hpp"
#include "upstream/agent_info_cache.hpp"

#include <boost/asio/dispatch.hpp>


namespace weshopd::engine {

namespace asio = boost::asio;
namespace json = boost::json;

// Parts are declared after what they refer to, so they are destroyed first.
struct engine::impl {
  impl(asio::any_io_executor ex, store::job_store& s, upstream::weshop_client& c, engine_options o)
    : ctx(std::move(ex), s, c, std::move(o)), polls(ctx), jobs_in(ctx, polls), held(ctx, jobs_in),
      resume(ctx, jobs_in, polls), hints(ctx, polls), infos(c, ctx.options.agent_info_ttl)
  {
  }

  engine_context ctx;
  poller polls;
  intake jobs_in;
  held_jobs held;
  recovery resume;
  callbacks hints;
  upstream::agent_info_cache infos;
};

engine::engine(asio::any_io_executor executor, store::job_store& store, upstream::weshop_client& client,
               engine_options options)
  : impl_(std::make_shared<impl>(std::move(executor), store, client, std::move(options)))
{
}

engine::~engine()
{
  stop();
}

asio::awaitable<void> engine::start()
{
  keep_alive self = impl_; // the parts' coroutines keep the engine alive (context.hpp says why)
  auto& ctx = impl_->ctx;
  co_await load_run_times(self, ctx); // before any run is followed
  co_await impl_->resume.resume_unfinished(self);
  auto saver = save_run_times_behind(self, ctx);
  ctx.loops.spawn(ctx.executor, std::move(saver));
  auto scheduler = impl_->polls.run(self);
  ctx.loops.spawn(ctx.executor, std::move(scheduler));
  auto starter = impl_->jobs_in.run(self);
  ctx.loops.spawn(ctx.executor, std::move(starter));
  if (ctx.options.lease_heartbeat) {
    auto heartbeat = impl_->resume.keep_lease(self);
    ctx.loops.spawn(ctx.executor, std::move(heartbeat));
  }
  if (ctx.options.budget && ctx.options.budget->options().policy == budget::over_budget::hold) {
    auto admitter = impl_->held.run(self);
    ctx.loops.spawn(ctx.executor, std::move(admitter));
  }
}

void engine::stop()
{
  auto& ctx = impl_->ctx;
  ctx.loops.stop();                                // the schedulers end now
  ctx.work.stop(asio::cancellation_type::none);    // no new work; what is in flight may finish
  ctx.feed.close(); // live streams end
  save_run_times(ctx, std::chrono::milliseconds::zero()); // what was learned since the last write
}

void engine::interrupt()
{
  impl_->ctx.work.emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> engine::join()
{
  const keep_alive self = impl_;
  co_await impl_->ctx.loops.wait();
  co_await impl_->ctx.work.wait();
}

void engine::price(store::new_job& j) const
{
  static const budget::budget_policy no_budget{}; // every image costs 1, no limits
  const auto& options = impl_->ctx.options;
  const auto& policy = options.budget ? *options.budget : no_budget;
  j.images = budget::budget_policy::images_of(j.params);
  j.unit_price = policy.price_per_image(j.agent, j.params);
  j.admit = policy.admission_for(j.agent, j.token_name, options.clock());
}

void engine::set_budget(std::shared_ptr<const budget::budget_policy> next)
{
  asio::dispatch(impl_->ctx.executor, [self = impl_, next = std::move(next)]() mutable {
    self->ctx.options.budget = std::move(next);
  });
}

void engine::set_weights(const std::vector<std::string>& weights)
{
  asio::dispatch(impl_->ctx.executor, [self = impl_, next = scheduler::weights_of(weights)]() mutable {
    self->ctx.sched.queue.set_weights(std::move(next));
  });
}

asio::awaitable<result<store::insert_result>> engine::create(store::new_job j)
{
  auto& ctx = impl_->ctx;
  if (j.admit.window.empty())
    price(j);
  if (impl_->jobs_in.waiting() >= ctx.options.max_waiting_jobs)
    co_return errc::overloaded; // the API answers 503 + Retry-After instead of growing without bound
  if (!j.deadline_at)
    j.deadline_at = now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(ctx.options.deadline);
  auto r = co_await ctx.jobs.insert(std::move(j));
  if (r)
    announce_budget_alerts(ctx, r->alerts);
  if (r && r->created) {
    ctx.feed.publish(r->created_or_existing);
    if (ctx.options.on_event)
      ctx.options.on_event(r->created_or_existing);
    const keep_alive self = impl_;
    impl_->jobs_in.enqueue(self, r->created_or_existing);
  }
  co_return r;
}

asio::awaitable<result<store::batch_insert_result>> engine::create_batch(store::new_batch b)
{
  auto& ctx = impl_->ctx;
  if (impl_->jobs_in.waiting() + b.items.size() > ctx.options.max_waiting_jobs)
    co_return errc::overloaded;
  const auto deadline = now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(ctx.options.deadline);
  for (auto& j : b.items) {
    if (j.admit.window.empty())
      price(j);
    if (!j.deadline_at)
      j.deadline_at = deadline;
  }
  b.admit = b.items.front().admit; // one agent, one token: one admission
  auto r = co_await ctx.jobs.insert_batch(std::move(b));
  if (r)
    announce_budget_alerts(ctx, r->alerts);
  if (r && r->created) {
    const keep_alive self = impl_;
    for (const auto& j : r->items) {
      ctx.feed.publish(j);
      if (ctx.options.on_event)
        ctx.options.on_event(j);
      impl_->jobs_in.enqueue(self, j); // (a held item waits for budget: held_jobs)
    }
  }
  co_return r;
}

asio::awaitable<result<batch>> engine::cancel_batch(std::string id)
{
  auto& ctx = impl_->ctx;
  auto r = co_await ctx.jobs.cancel_batch(id);
  if (!r)
    co_return r.error();
  if (!r->canceled.empty())
    ctx.hub.publish(batch_topic(id));
  for (const auto& j : r->canceled) {
    ctx.hub.publish(j.id);
    ctx.feed.publish(j);
    if (ctx.options.on_event)
      ctx.options.on_event(j);
  }
  for (const auto& item : r->in_flight) {
    auto canceled = co_await cancel(item);
    if (!canceled && canceled.error() != errc::illegal_transition) // (it finished meanwhile)
      co_return canceled.error();
  }
  co_return co_await ctx.jobs.get_batch(id);
}

asio::awaitable<result<cancel_outcome>> engine::cancel(std::string id)
{
  auto& ctx = impl_->ctx;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = co_await ctx.jobs.get(id);
    if (!current)
      co_return current.error();
    if (current->state == job_state::canceled)
      co_return cancel_outcome{std::move(*current), false};
    if (is_terminal(current->state))
      co_return errc::illegal_transition;
    const bool run_exists = current->state == job_state::running || current->state == job_state::submitting;
    const store::job_patch none;
    const std::string detail = "canceled by request";
    auto r = co_await transition_with_retry(ctx, *current, job_state::canceled, none, detail);
    if (r) {
      impl_->polls.forget(id);
      impl_->jobs_in.forget(id);
      co_return cancel_outcome{std::move(*r), run_exists};
    }
    if (r.error() != errc::stale_state)
      co_return r.error();
  }
  co_return errc::stale_state;
}

asio::awaitable<upstream::outcome<json::value>> engine::agent_info(std::string name, std::string version,
                                                                   std::optional<std::chrono::milliseconds> timeout)
{
  co_return co_await impl_->infos.get(name, version, timeout);
}

change_hub& engine::changes()
{
  return impl_->ctx.hub;
}

job_feed& engine::feed()
{
  return impl_->ctx.feed;
}

void engine::remote_change(const std::string& job_id)
{
  keep_alive self = impl_;
  auto task = impl_->hints.remote_change(self, job_id);
  impl_->ctx.work.spawn(impl_->ctx.executor, std::move(task));
}

asio::awaitable<callback_verdict> engine::callback(const std::string& job_id, const std::string& token)
{
  co_return co_await impl_->hints.on_callback(job_id, token);
}

const upstream::upstream_health& engine::upstream_health() const
{
  return impl_->ctx.client.health();
}

std::map<std::string, run_time_book::typical> engine::typical_run_times() const
{
  return impl_->ctx.run_times.typical_all();
}

engine::statistics engine::stats() const
{
  statistics s;
  const auto& calls = impl_->hints.counters();
  s.callbacks_accepted = calls.accepted;
  s.callbacks_late = calls.late;
  s.callbacks_forged = calls.forged;
  s.callbacks_coalesced = calls.coalesced;
  s.polling = impl_->polls.size();
  if (const auto due = impl_->polls.next_due(); due && *due < now_ms())
    s.poll_lag = std::chrono::duration_cast<std::chrono::milliseconds>(now_ms() - *due);
  s.active = impl_->jobs_in.active();
  const auto& sched = impl_->ctx.sched;
  s.scheduling = sched.enabled;
  s.window = sched.window.limit();
  s.in_flight = impl_->jobs_in.in_flight();
  s.waiting = sched.queue.size();
  s.paused_until = sched.pause.until(now_ms());
  s.request_rate = sched.budget.rate();
  s.pauses = sched.pause.pauses();
  s.window_cuts = sched.window.cuts();
  return s;
}

} // namespace weshopd::engine
