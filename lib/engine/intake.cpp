#include "engine/intake.hpp"

#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "engine/retry_policy.hpp"
#include "engine/submit_policy.hpp"
#include "engine/transitions.hpp"
#include "weshop/image_ref.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>

namespace weshopd::engine {

namespace asio = boost::asio;
namespace json = boost::json;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::string_view image_inputs[] = {"originalImage", "fashionModelImage", "locationImage"};

bool has_local_images(const json::object& input)
{
  for (auto name : image_inputs)
    if (const auto* v = input.if_contains(name); v && v->is_string())
      if (weshop::classify_image_ref(v->get_string()).kind == weshop::image_ref::kind::local_file)
        return true;
  return false;
}

} // namespace

intake::intake(engine_context& ctx, poller& polls) : ctx_(ctx), poller_(polls), wake_(ctx.executor)
{
  ctx_.sched.on_run_ended = [this] { wake_at(now_ms()); };
}

void intake::enqueue(const keep_alive& self, const job& j)
{
  if (j.held || !driving_.insert(j.id).second)
    return; // waits for budget (held_jobs), or already on its way
  push(j);
  start_drives(self);
}

// Scheduling off: one lane in id order (first come, first served, as before).
void intake::push(const job& j)
{
  auto& s = ctx_.sched;
  const std::string none;
  if (!s.enabled)
    s.queue.push(j.id, none, none, job_priority::normal);
  else
    s.queue.push(j.id, j.token_name.value_or(none), j.batch_id.value_or(none),
                 parse_priority(j.priority).value_or(job_priority::normal));
}

void intake::forget(const std::string& id)
{
  if (ctx_.sched.queue.remove(id))
    driving_.erase(id);
}

void intake::start_drives(const keep_alive& self)
{
  auto& queue = ctx_.sched.queue;
  while (!ctx_.stopped() && active_ < ctx_.options.max_concurrent_submits && !queue.empty() && may_start()) {
    auto id = *queue.pop();
    ++active_;
    auto task = drive(self, id);
    if (!ctx_.work.spawn(ctx_.executor, std::move(task))) {
      --active_; // stopping: the drive never starts
      driving_.erase(id);
    }
  }
}

// Takes a budget token when the pause and the window allow; else asks to be
// woken when the first of them may (a run ending wakes it too).
bool intake::may_start()
{
  auto& s = ctx_.sched;
  if (!s.enabled)
    return true;
  const auto now = now_ms();
  if (const auto until = s.pause.until(now)) {
    wake_at(*until);
    return false;
  }
  if (!s.window.has_room(in_flight())) {
    wake_at(now + std::chrono::seconds(1)); // a safety net: a run's end wakes it sooner
    return false;
  }
  if (!s.budget.try_take(request_kind::submit, now)) {
    wake_at(s.budget.next_available(request_kind::submit, now));
    return false;
  }
  return true;
}

void intake::wake_at(timestamp at)
{
  if (!wake_at_ || at < *wake_at_)
    wake_at_ = at;
  if (armed_ && at < *armed_)
    wake_.cancel(); // run() re-reads the earliest time
}

asio::awaitable<void> intake::run(keep_alive self)
{
  for (;;) {
    const bool stopped = co_await this_task_cancelled();
    if (stopped)
      co_return;
    wake_at_.reset();
    start_drives(self);
    armed_ = wake_at_.value_or(now_ms() + std::chrono::minutes(1));
    wake_at_.reset();
    wake_.expires_at(*armed_);
    co_await wake_.async_wait(use_tuple);
    armed_.reset();
  }
}

// Takes one job from accepted to running (or to its end), in one submit slot.
asio::awaitable<void> intake::drive(keep_alive self, std::string id)
{
  struct release {
    intake& in;
    const keep_alive& self;
    const std::string& id;
    ~release()
    {
      --in.active_;
      auto refused = in.requeue_.extract(id); // goes back to its place in the queue
      if (refused && !in.ctx_.stopped())
        in.push(refused.mapped());
      else
        in.driving_.erase(id);
      in.start_drives(self);
    }
  } guard{*this, self, id};

  auto loaded = co_await load(id);
  if (!loaded || loaded->held)
    co_return; // a held job waits for budget (held_jobs)
  job j = std::move(*loaded);

  std::string token; // the callback token of the run about to be submitted
  // A job this drive has made `submitting` is sent even when a stop begins
  // meanwhile (the drain waits for it): left so, it would be failed as
  // submit_outcome_unknown at the next start although it never left.
  while (!ctx_.stopped() || j.state == job_state::submitting) {
    result<job> next = errc::stale_state;
    if (j.state == job_state::queued)
      next = co_await leave_queue(j, token);
    else if (j.state == job_state::uploading)
      next = co_await upload_inputs(j, token);
    else if (j.state == job_state::submitting)
      next = co_await submit(j, token);
    else
      co_return;
    if (!next || (j.state == job_state::submitting && next->state != job_state::queued))
      co_return;
    j = std::move(*next);
    if (requeue_.contains(j.id))
      co_return; // refused: waits in the queue, not in this slot
  }
}

// The job as stored; while the disk fails it stays queued in the database.
asio::awaitable<result<job>> intake::load(const std::string& id)
{
  auto loaded = co_await ctx_.jobs.get(id);
  for (int attempt = 0; !loaded && is_storage_failure(loaded.error()) && !ctx_.stopped(); ++attempt) {
    asio::steady_timer t(ctx_.executor,
                         backoff(attempt, std::chrono::milliseconds(100), std::chrono::seconds(5), ctx_.unit()));
    co_await t.async_wait(use_tuple);
    loaded = co_await ctx_.jobs.get(id);
  }
  co_return loaded;
}

// queued -> uploading (local images) or submitting, once its retry time came.
asio::awaitable<result<job>> intake::leave_queue(const job& j, std::string& token)
{
  if (j.next_attempt_at && *j.next_attempt_at > now_ms()) {
    asio::system_timer t(ctx_.executor, *j.next_attempt_at);
    co_await t.async_wait(use_tuple);
  }
  store::job_patch p;
  const std::string detail;
  const auto next = has_local_images(j.input) ? job_state::uploading : job_state::submitting;
  if (next == job_state::submitting)
    token = arm_callback(p);
  co_return co_await transition_with_retry(ctx_, j, next, p, detail);
}

// With callbacks on: a fresh token for the run about to be submitted. Its
// hash is written with the move to `submitting`, before the run exists.
std::string intake::arm_callback(store::job_patch& p)
{
  if (!ctx_.options.callback_base)
    return {};
  auto token = random_token();
  p.callback_token_hash = sha256_hex(token);
  return token;
}

asio::awaitable<result<job>> intake::upload_inputs(const job& j, std::string& token)
{
  auto input = j.input;
  for (auto name : image_inputs) {
    auto* v = input.if_contains(name);
    if (!v || !v->is_string())
      continue;
    const auto ref = weshop::classify_image_ref(v->get_string());
    if (ref.kind != weshop::image_ref::kind::local_file)
      continue;
    auto step = co_await upload_one(j, name, ref.location);
    if (auto* ended = std::get_if<result<job>>(&step))
      co_return std::move(*ended);
    *v = std::move(std::get<std::string>(step));
  }
  store::job_patch p;
  p.input = std::move(input);
  token = arm_callback(p);
  const std::string detail = "uploaded";
  co_return co_await transition_with_retry(ctx_, j, job_state::submitting, p, detail);
}

asio::awaitable<intake::upload_step> intake::upload_one(const job& j, std::string_view name,
                                                        const std::string& location)
{
  // The path is weshopd's own copy, made at intake (an older job may still
  // name the caller's file: read the same way, once, from its root).
  const auto& local = ctx_.options.local_files;
  auto read = local ? local->roots.read(location, local->max_image_bytes)
                    : files::image_read{std::nullopt, "local files are not accepted"};
  if (!read) {
    const job_error error{"input_unreadable", "/input/" + std::string(name) + " " + read.problem, false};
    co_return co_await fail_job(ctx_, j, error);
  }
  auto& image = *read.image;
  const auto digest = image.sha256;
  // Another job uploading the same content right now: wait for it, then reuse.
  const auto topic = "upload:" + digest;
  while (uploads_in_flight_.contains(digest))
    co_await ctx_.hub.wait(topic, std::chrono::minutes(2));
  if (local->copies) // the dashboard shows it after WeShop's URL replaced the path
    local->copies->put(image);
  auto known = co_await ctx_.jobs.find_upload(digest);
  if (known && *known)
    co_return (*known)->url;
  uploads_in_flight_.insert(digest);
  struct in_flight_guard {
    intake& in;
    const std::string& digest;
    ~in_flight_guard()
    {
      in.uploads_in_flight_.erase(digest);
      in.ctx_.hub.publish("upload:" + digest);
    }
  } flight{*this, digest};
  const auto size = static_cast<std::int64_t>(image.bytes.size());
  auto filename = std::filesystem::path(location).filename().string();
  auto uploaded = co_await ctx_.client.upload_image(std::move(image.bytes), std::move(filename));
  if (!uploaded) {
    const auto& e = uploaded.error();
    if (upload_refused(e)) {
      const auto error = upstream_job_error(e, false);
      co_return co_await fail_job(ctx_, j, error);
    }
    co_return co_await retry_or_fail(j, e);
  }
  const store::upload_record upload{digest, *uploaded, size};
  co_await ctx_.jobs.record_upload(upload);
  co_return *uploaded;
}

asio::awaitable<result<job>> intake::submit(const job& j, const std::string& token)
{
  // The job is durably `submitting` (with its token's hash) before this
  // request leaves; a callback may come before the POST's answer.
  std::optional<std::string> callback_url;
  if (!token.empty()) {
    callback_url = *ctx_.options.callback_base + "/" + j.id + "/" + token;
    const auto token_hash = sha256_hex(token);
    poller_.expect_run(j, token_hash);
  }
  const auto ticket = ctx_.sched.window.begin_submit();
  auto started = co_await ctx_.client.start_run(j.agent, j.agent_version, j.input, j.params, callback_url);
  if (started) {
    ctx_.sched.window.on_accepted(ticket, in_flight());
    co_return co_await record_run(j, started->execution_id, callback_url.has_value());
  }
  poller_.forget(j.id);
  const auto& e = started.error();
  const auto verdict = judge_submit_failure(e);
  if (verdict == submit_verdict::retry && ctx_.sched.enabled && (e.http_status == 429 || e.api.retryable))
    co_return co_await refused(j, e, ticket);
  if (verdict == submit_verdict::retry)
    co_return co_await retry_or_fail(j, e);
  const auto error = verdict == submit_verdict::reject
                       ? upstream_job_error(e, false)
                       : job_error{"submit_outcome_unknown",
                                   "WeShop may have started the run (" + e.message + "); not sent again", true};
  co_return co_await fail_job(ctx_, j, error);
}

// The run exists: the job is running, and polled from now on.
asio::awaitable<result<job>> intake::record_run(const job& j, const std::string& execution_id, bool called_back)
{
  store::job_patch p;
  p.execution_id = execution_id;
  p.upstream_status = "Pending";
  p.error = std::optional<job_error>{};
  const auto due = now_ms() + (called_back ? ctx_.options.safety_poll : ctx_.options.poll_initial);
  p.next_attempt_at = due;
  if (const auto q = ctx_.run_times.quantiles(run_time_key(j.agent, j.agent_version, j.params)))
    p.expected_finish_at = now_ms() + q->p50; // shown while it runs
  const std::string detail = "run " + execution_id;
  auto r = co_await transition_with_retry(ctx_, j, job_state::running, p, detail);
  if (!r) {
    poller_.forget(j.id);
    co_return r;
  }
  poller_.run_started(*r, execution_id, due);
  co_return r;
}

// WeShop is at its capacity or rate: one signal for every submit (the window
// shrinks, submits pause until Retry-After); the job goes back to queued,
// and to its old place in the queue, until its deadline. A refused submit
// does not cut the learnt request rate: the guide documents no limits, so a
// 429 on a run's creation may as well mean "too many runs at once", which
// the window and the pause answer; a 429 on a poll can only be the rate
// (poller.cpp cuts it).
asio::awaitable<result<job>> intake::refused(const job& j, const upstream::upstream_error& e, std::uint64_t ticket)
{
  auto& s = ctx_.sched;
  const auto now = now_ms();
  s.window.on_refused(ticket, in_flight() - 1);
  const std::chrono::milliseconds wait = e.retry_after.value_or(std::chrono::seconds(1));
  s.pause.on_retry_after(now, wait);
  count_retry(to_string(j.state)); // the step refused: submitting
  if (j.deadline_at && now >= *j.deadline_at) {
    const job_error late{"deadline_exceeded", "not submitted before the job's deadline; last error: " + e.message, false};
    co_return co_await fail_job(ctx_, j, late);
  }
  store::job_patch p;
  p.attempts = j.attempts + 1;
  p.error = upstream_job_error(e, true);
  p.next_attempt_at = std::optional<timestamp>{};
  const std::string detail = "refused: " + e.message;
  auto r = co_await transition_with_retry(ctx_, j, job_state::queued, p, detail);
  if (r)
    requeue_.insert_or_assign(j.id, *r);
  co_return r;
}

// Retry later (back to queued) after a failure that left no run. An outage
// only delays: tries go on (backing off to retry_cap) until the job's
// deadline, which is where it fails.
asio::awaitable<result<job>> intake::retry_or_fail(const job& j, const upstream::upstream_error& e)
{
  const auto plan = plan_retry(now_ms(), j.deadline_at, j.attempts, ctx_.options.retry_initial,
                               ctx_.options.retry_cap, ctx_.unit(), e.retry_after);
  if (plan.give_up) {
    const job_error late{"deadline_exceeded", "not submitted before the job's deadline; last error: " + e.message, false};
    co_return co_await fail_job(ctx_, j, late);
  }
  store::job_patch p;
  p.attempts = plan.attempts;
  p.error = upstream_job_error(e, true);
  p.next_attempt_at = plan.at;
  const std::string detail = "retry: " + e.message;
  count_retry(to_string(j.state));
  co_return co_await transition_with_retry(ctx_, j, job_state::queued, p, detail);
}

} // namespace weshopd::engine
