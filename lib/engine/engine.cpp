#include "engine/engine.hpp"

#include "common/await_callback.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "engine/submit_policy.hpp"
#include "metrics/registry.hpp"
#include "store/read_async.hpp"
#include "weshop/image_ref.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <limits>

#include <deque>
#include <map>
#include <unordered_set>

namespace weshopd::engine {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::use_awaitable;
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

job_error upstream_job_error(const upstream::upstream_error& e, bool retryable)
{
  std::string code;
  switch (e.kind) {
  case upstream::error_kind::api: code = e.api.code; break;
  case upstream::error_kind::transport: code = "upstream_unreachable"; break;
  case upstream::error_kind::http_status: code = "upstream_http_" + std::to_string(e.http_status); break;
  case upstream::error_kind::parse: code = "upstream_bad_response"; break;
  case upstream::error_kind::local: code = "input_unreadable"; break;
  }
  return {code, e.message, retryable};
}

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

// step: uploading, submitting (the job goes back to queued) or poll.
void count_retry(std::string_view step)
{
  metrics::process_registry()
    .counter_of("weshopd_upstream_retries_total", "WeShop calls to be tried again after a failure, by step.",
                {{"step", std::string(step)}})
    .add();
}

} // namespace

struct engine::impl : std::enable_shared_from_this<impl> {

  // A job between submit and its end, as the scheduler sees it.
  struct poll_state {
    std::string execution_id; // empty while the submit is in flight
    std::optional<timestamp> deadline;
    std::string last_status;
    std::size_t last_results = 0; // result items already shown (a run shows them as they come)
    int rounds = 0;
    int failures = 0;
    std::string token_hash; // of the run's callback token; empty without callbacks
    timestamp next_poll{};
    timestamp last_poll{};
    bool in_flight = false; // a GET is on its way
    bool hinted = false;    // a callback came while it could not be acted on yet
  };

  asio::any_io_executor executor;
  store::job_store& store;
  upstream::weshop_client& client;
  engine_options options;
  change_hub hub;
  job_feed feed;
  poll_queue polls;
  std::unordered_map<std::string, poll_state> polling;
  std::unordered_set<std::string> uploads_in_flight; // content digests being uploaded now
  asio::system_timer wake;
  std::optional<timestamp> wake_at;
  asio::steady_timer lease_timer;
  asio::system_timer* held_timer = nullptr; // admit_held_jobs' wait, while it waits
  // Accepted jobs waiting for a submit slot: ids only (the rest is in
  // SQLite), so a backlog of 100k jobs costs a few MB, not a coroutine each.
  std::deque<std::string> queued_ids;
  std::unordered_set<std::string> driving; // in queued_ids or in drive()
  std::size_t polls_in_flight = 0;
  std::size_t active = 0; // drives under way (at most max_concurrent_submits)
  std::map<std::string, std::pair<timestamp, json::value>> agent_info_cache; // "name/version" -> (fetched, data)
  bool stopped = false;
  std::mt19937_64 rng{std::random_device{}()};
  statistics counters;

  impl(asio::any_io_executor ex, store::job_store& s, upstream::weshop_client& c, engine_options o)
    : executor(ex), store(s), client(c), options(std::move(o)), hub(ex), feed(ex), wake(ex), lease_timer(ex)
  {
  }

  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng); }

  // A store write, awaited on our executor (see common/await_callback.hpp).
  template <class T, class Start>
  asio::awaitable<result<T>> on_store(Start&& start)
  {
    co_return co_await await_callback<result<T>>(executor, start);
  }

  // Coroutine parameters here are references to named objects of the caller:
  // GCC 12 mishandles class prvalues passed to coroutines (seen as double frees).
  static bool is_storage_failure(const boost::system::error_code& ec)
  {
    return ec == errc::storage_full || ec == errc::storage_readonly || ec == errc::storage_io ||
           ec == errc::storage_busy || ec == errc::storage_failed;
  }

  asio::awaitable<result<job>> transition_once(const job& j, job_state to, const store::job_patch& patch,
                                               const std::string& detail)
  {
    co_return co_await on_store<job>(
      [&](auto done) { store.async_transition(j.id, j.state, to, patch, detail, std::move(done)); });
  }

  // A transition that the disk refused (full, read-only, I/O error) is tried
  // again until it lands: the job waits instead of being dropped, and moves
  // on by itself once the disk is back.
  asio::awaitable<result<job>> move(const job& j, job_state to, const store::job_patch& patch, const std::string& detail)
  {
    auto r = co_await transition_once(j, to, patch, detail);
    for (int attempt = 0; !r && is_storage_failure(r.error()) && !stopped; ++attempt) {
      if (attempt % 20 == 0)
        log(log_level::error, "storage_failed",
            {{"job", j.id}, {"state", to_string(to)}, {"error", r.error().message()}, {"action", "retrying"}});
      asio::steady_timer pause(executor, backoff(attempt, std::chrono::milliseconds(100), std::chrono::seconds(5), unit()));
      co_await pause.async_wait(use_tuple);
      r = co_await transition_once(j, to, patch, detail);
    }
    if (r) {
      hub.publish(j.id);
      if (to != j.state) {
        feed.publish(*r);
        if (options.on_event)
          options.on_event(*r);
        log(log_level::info, "job_state",
            {{"job", j.id}, {"from", to_string(j.state)}, {"state", to_string(to)}, {"detail", detail}});
      }
    }
    co_return r;
  }

  asio::awaitable<result<job>> fail(const job& j, const job_error& error)
  {
    store::job_patch p;
    p.error = error;
    const std::string detail = error.code;
    co_return co_await move(j, job_state::failed, p, detail);
  }

  void schedule_poll(const std::string& id, timestamp due)
  {
    if (const auto it = polling.find(id); it != polling.end())
      it->second.next_poll = due;
    polls.schedule(id, due);
    if (!wake_at || due < *wake_at)
      wake.cancel(); // the scheduler re-reads the earliest due time
  }

  // --- intake to running ---

  std::size_t waiting() const { return queued_ids.size() + active; }

  void enqueue(const std::shared_ptr<impl>& self, std::string id)
  {
    if (!driving.insert(id).second)
      return; // already on its way
    queued_ids.push_back(std::move(id));
    start_drives(self);
  }

  // Is this daemon working on the job already?
  bool follows(const std::string& id) const { return driving.contains(id) || polling.contains(id); }

  void start_drives(const std::shared_ptr<impl>& self)
  {
    while (!stopped && active < options.max_concurrent_submits && !queued_ids.empty()) {
      auto id = std::move(queued_ids.front());
      queued_ids.pop_front();
      ++active;
      asio::co_spawn(executor, drive(self, id), asio::detached);
    }
  }

  // Takes one job from accepted to running (or to its end), in one submit slot.
  asio::awaitable<void> drive(std::shared_ptr<impl> self, std::string id)
  {
    struct release {
      std::shared_ptr<impl> self;
      std::string id;
      ~release()
      {
        --self->active;
        self->driving.erase(id);
        self->start_drives(self);
      }
    } guard{self, id};

    const auto read = [&] { return store.get(id); };
    auto loaded = co_await store::read_async(store, read);
    for (int attempt = 0; !loaded && is_storage_failure(loaded.error()) && !stopped; ++attempt) {
      asio::steady_timer t(executor, backoff(attempt, std::chrono::milliseconds(100), std::chrono::seconds(5), unit()));
      co_await t.async_wait(use_tuple); // the disk is failing: it stays queued in the database meanwhile
      loaded = co_await store::read_async(store, read);
    }
    if (!loaded || loaded->held)
      co_return; // a held job waits for budget (admit_held_jobs)
    job j = std::move(*loaded);

    std::string token; // the callback token of the run about to be submitted
    while (!stopped) {
      if (j.state == job_state::queued) {
        if (j.next_attempt_at && *j.next_attempt_at > now_ms()) {
          asio::system_timer t(executor, *j.next_attempt_at);
          co_await t.async_wait(use_tuple);
        }
        store::job_patch p;
        const std::string detail;
        const auto next = has_local_images(j.input) ? job_state::uploading : job_state::submitting;
        if (next == job_state::submitting)
          token = arm_callback(p);
        auto r = co_await move(j, next, p, detail);
        if (!r)
          co_return;
        j = std::move(*r);
      } else if (j.state == job_state::uploading) {
        auto next = co_await upload_inputs(j, token);
        if (!next)
          co_return;
        j = std::move(*next);
      } else if (j.state == job_state::submitting) {
        auto next = co_await submit(j, token);
        if (!next || next->state != job_state::queued)
          co_return;
        j = std::move(*next);
      } else {
        co_return;
      }
    }
  }

  // Retry later (back to queued) after a failure that left no run. An
  // outage only delays: tries go on (backing off to retry_cap) until the
  // job's deadline, which is where it fails.
  asio::awaitable<result<job>> retry_or_fail(const job& j, const upstream::upstream_error& e)
  {
    const int attempts = j.attempts + 1;
    const auto error = upstream_job_error(e, true);
    const auto next = now_ms() + backoff(attempts - 1, options.retry_initial, options.retry_cap, unit(), e.retry_after);
    if (j.deadline_at && next >= *j.deadline_at) {
      const job_error late{"deadline_exceeded", "not submitted before the job's deadline; last error: " + e.message, false};
      co_return co_await fail(j, late);
    }
    store::job_patch p;
    p.attempts = attempts;
    p.error = error;
    p.next_attempt_at = next;
    const std::string detail = "retry: " + e.message;
    count_retry(to_string(j.state));
    co_return co_await move(j, job_state::queued, p, detail);
  }

  // With callbacks on: a fresh token for the run about to be submitted. Its
  // hash is written with the move to `submitting`, before the run exists.
  std::string arm_callback(store::job_patch& p)
  {
    if (!options.callback_base)
      return {};
    auto token = random_token();
    p.callback_token_hash = sha256_hex(token);
    return token;
  }

  asio::awaitable<result<job>> upload_inputs(const job& j, std::string& token)
  {
    auto input = j.input;
    for (auto name : image_inputs) {
      auto* v = input.if_contains(name);
      if (!v || !v->is_string())
        continue;
      const auto ref = weshop::classify_image_ref(v->get_string());
      if (ref.kind != weshop::image_ref::kind::local_file)
        continue;
      // The path is weshopd's own copy, made at intake (an older job may
      // still name the caller's file: read the same way, once, from its root).
      auto read = options.local_files ? options.local_files->roots.read(ref.location, options.local_files->max_image_bytes)
                                      : files::image_read{std::nullopt, "local files are not accepted"};
      if (!read) {
        const job_error error{"input_unreadable", "/input/" + std::string(name) + " " + read.problem, false};
        co_return co_await fail(j, error);
      }
      auto& image = *read.image;
      const auto digest = image.sha256;
      // Another job uploading the same content right now: wait for it, then reuse.
      const auto topic = "upload:" + digest;
      while (uploads_in_flight.contains(digest))
        co_await hub.wait(topic, std::chrono::minutes(2));
      if (options.local_files->copies) // the dashboard shows it after WeShop's URL replaced the path
        options.local_files->copies->put(image);
      auto known = co_await store::read_async(store, [&] { return store.find_upload(digest); });
      if (known && *known) {
        *v = (*known)->url;
        continue;
      }
      uploads_in_flight.insert(digest);
      struct in_flight_guard {
        impl& i;
        std::string digest;
        ~in_flight_guard()
        {
          i.uploads_in_flight.erase(digest);
          i.hub.publish("upload:" + digest);
        }
      } flight{*this, digest};
      const auto size = static_cast<std::int64_t>(image.bytes.size());
      auto filename = std::filesystem::path(ref.location).filename().string();
      auto uploaded = co_await client.upload_image(std::move(image.bytes), std::move(filename));
      if (!uploaded) {
        const auto& e = uploaded.error();
        // Uploads cost nothing: anything but a definite refusal is worth another try.
        const bool refused = e.kind == upstream::error_kind::local ||
                             (e.kind == upstream::error_kind::api && !e.api.retryable && e.http_status != 429);
        if (refused) {
          const auto error = upstream_job_error(e, false);
          co_return co_await fail(j, error);
        }
        co_return co_await retry_or_fail(j, e);
      }
      co_await on_store<bool>([&](auto done) {
        store.async_record_upload({digest, *uploaded, size}, std::move(done));
      });
      *v = *uploaded;
    }
    store::job_patch p;
    p.input = std::move(input);
    token = arm_callback(p);
    const std::string detail = "uploaded";
    co_return co_await move(j, job_state::submitting, p, detail);
  }

  asio::awaitable<result<job>> submit(const job& j, const std::string& token)
  {
    // The job is durably `submitting` (with its token's hash) before this
    // request leaves; a callback may come before the POST's answer.
    std::optional<std::string> callback_url;
    if (!token.empty()) {
      callback_url = *options.callback_base + "/" + j.id + "/" + token;
      auto& s = polling[j.id];
      s = poll_state{};
      s.deadline = j.deadline_at;
      s.token_hash = sha256_hex(token);
    }
    auto started = co_await client.start_run(j.agent, j.agent_version, j.input, j.params, callback_url);
    if (started) {
      const auto now = now_ms();
      store::job_patch p;
      p.execution_id = started->execution_id;
      p.upstream_status = "Pending";
      p.error = std::optional<job_error>{};
      auto due = now + (callback_url ? options.safety_poll : options.poll_initial);
      p.next_attempt_at = due;
      const std::string detail = "run " + started->execution_id;
      auto r = co_await move(j, job_state::running, p, detail);
      if (!r) {
        polling.erase(j.id);
        co_return r;
      }
      auto& s = polling[j.id];
      s.execution_id = started->execution_id;
      s.deadline = r->deadline_at;
      s.last_status = "Pending";
      if (s.hinted) // a callback came while the POST or this write was under way
        due = now_ms();
      s.hinted = false;
      schedule_poll(j.id, due);
      co_return r;
    }
    polling.erase(j.id);
    const auto& e = started.error();
    const auto verdict = judge_submit_failure(e);
    if (verdict == submit_verdict::retry)
      co_return co_await retry_or_fail(j, e);
    const auto error = verdict == submit_verdict::reject
                         ? upstream_job_error(e, false)
                         : job_error{"submit_outcome_unknown",
                                     "WeShop may have started the run (" + e.message + "); not sent again", true};
    co_return co_await fail(j, error);
  }

  // --- polling ---

  // Polls start when due, within the concurrency cap and the rate (a token
  // bucket of polls_per_second, burst of one second's worth).
  asio::awaitable<void> scheduler(std::shared_ptr<impl> self)
  {
    const double rate = std::max(options.polls_per_second, 0.1);
    double tokens = rate;
    auto refilled = now_ms();
    while (!stopped) {
      const auto now = now_ms();
      tokens = std::min(rate, tokens + std::chrono::duration<double>(now - refilled).count() * rate);
      refilled = now;
      const auto room = std::min(options.max_concurrent_polls - std::min(options.max_concurrent_polls, polls_in_flight),
                                 static_cast<std::size_t>(tokens));
      for (auto& id : polls.take_due(now, room)) {
        tokens -= 1;
        ++polls_in_flight;
        asio::co_spawn(executor, poll_one(self, id), asio::detached);
      }
      auto next = polls.next_due();
      timestamp at = next ? *next : now + std::chrono::hours(1);
      if (next && *next <= now) // due, but no room: wait for a token, or for a poll to finish
        at = tokens < 1 ? now + std::chrono::milliseconds(static_cast<long>((1 - tokens) / rate * 1000) + 1)
                        : now + std::chrono::hours(1);
      wake_at = at;
      wake.expires_at(at);
      co_await wake.async_wait(use_tuple);
      wake_at.reset();
    }
  }

  asio::awaitable<void> poll_one(std::shared_ptr<impl> self, std::string id)
  {
    struct done_guard {
      impl& i;
      ~done_guard()
      {
        --i.polls_in_flight;
        i.wake.cancel(); // room for the next due polls
      }
    } guard{*self};

    const auto it = polling.find(id);
    if (it == polling.end())
      co_return;
    const auto execution_id = it->second.execution_id;
    it->second.in_flight = true;
    it->second.last_poll = now_ms();
    auto r = co_await client.get_run(execution_id);

    // Canceled while we asked? cancel() drops the entry; any other change the
    // compare-and-set below refuses. No store read on this hot path.
    auto entry = polling.find(id);
    if (entry == polling.end())
      co_return;
    auto& state = entry->second;
    state.in_flight = false;
    job running;
    running.id = id;
    running.state = job_state::running;
    const job* current = &running;
    const auto now = now_ms();
    if (r && weshop::is_terminal(r->state)) {
      store::job_patch p;
      p.upstream_status = r->status;
      p.results = results_json(*r);
      const bool success = r->state == weshop::run_state::success;
      if (!success)
        p.error = run_failure(*r);
      p.mirror_results = success && options.mirror_results;
      p.images_actual = produced_images(*r);
      const std::string detail = success ? "run succeeded" : "run failed";
      const auto ended = co_await move(*current, success ? job_state::succeeded : job_state::failed, p, detail);
      if (ended && *p.images_actual > 0)
        metrics::process_registry()
          .counter_of("weshopd_spend_images_total", "Images WeShop produced (and billed), by agent.",
                      {{"agent", ended->agent}})
          .add(static_cast<std::uint64_t>(*p.images_actual));
      polling.erase(id);
      co_return;
    }
    if (state.deadline && now >= *state.deadline) {
      const job_error error{"deadline_exceeded", "the run did not finish before the job's deadline", false};
      co_await fail(*current, error);
      polling.erase(id);
      co_return;
    }
    std::chrono::milliseconds delay;
    if (r) {
      state.failures = 0;
      delay = options.callback_base ? options.safety_poll
                                    : backoff(state.rounds++, options.poll_initial, options.poll_cap, unit());
      // A new status, or result items the run shows before its end (the
      // guide's example: Running with a Success item). They are final, and
      // billed, only at the end.
      if (r->status != state.last_status || r->results.size() != state.last_results) {
        state.last_status = r->status;
        state.last_results = r->results.size();
        store::job_patch p;
        p.upstream_status = r->status;
        p.results = results_json(*r);
        p.next_attempt_at = now + delay;
        const std::string detail;
        auto moved = co_await move(*current, job_state::running, p, detail);
        if (!moved) {
          polling.erase(id);
          co_return;
        }
      }
    } else {
      count_retry("poll");
      delay = backoff(state.failures++, options.poll_initial, options.poll_cap, unit(), r.error().retry_after);
    }
    auto due = now + delay;
    if (state.hinted) { // a callback came during this GET: its news may be newer than the answer
      state.hinted = false;
      due = std::min(due, state.last_poll + options.hint_interval);
    }
    schedule_poll(id, due);
  }

  // --- callbacks ---

  asio::awaitable<callback_verdict> callback(const std::string& id, const std::string& token)
  {
    const auto hash = sha256_hex(token);
    if (const auto it = polling.find(id);
        it != polling.end() && !it->second.token_hash.empty() && constant_time_equal(hash, it->second.token_hash)) {
      ++counters.callbacks_accepted;
      hint(id, it->second);
      co_return callback_verdict::accepted;
    }
    // Not followed here: a job another daemon follows (sharing the
    // database), a finished job's late callback, or a forgery.
    if (looks_like_uuid(id)) {
      const auto j = co_await store::read_async(store, [&] { return store.get(id); });
      if (j && j->callback_token_hash && constant_time_equal(hash, *j->callback_token_hash)) {
        if (j->state == job_state::running && j->execution_id && !j->execution_id->empty() && !polling.contains(id)) {
          ++counters.callbacks_accepted;
          follow_running(*j, now_ms()); // fetched here now; the compare-and-set settles who records the end
          co_return callback_verdict::accepted;
        }
        ++counters.callbacks_late;
        co_return callback_verdict::late;
      }
    }
    ++counters.callbacks_forged;
    co_return callback_verdict::forged;
  }

  asio::awaitable<void> remote_change(std::shared_ptr<impl>, std::string job_id)
  {
    auto j = co_await store::read_async(store, [&] { return store.get(job_id); });
    if (!j)
      co_return;
    if (is_terminal(j->state) && polling.erase(job_id) > 0)
      polls.remove(job_id);
    hub.publish(job_id);
    feed.publish(*j);
  }

  // Re-fetch the run soon, but at most once per hint_interval: bursts of
  // callbacks (duplicates, retries) cost one GET.
  void hint(const std::string& id, poll_state& s)
  {
    if (s.execution_id.empty() || s.in_flight) {
      ++counters.callbacks_coalesced;
      s.hinted = true; // acted on when the submit or the GET in flight ends
      return;
    }
    const auto at = std::max(now_ms(), s.last_poll + options.hint_interval);
    if (s.next_poll <= at) { // already due by then
      ++counters.callbacks_coalesced;
      return;
    }
    schedule_poll(id, at);
  }

  // --- budgets ---

  // Held jobs (policy hold) get their chance when budget frees up or the
  // window resets: checked every held_check, and at each reset.
  asio::awaitable<void> admit_held_jobs(std::shared_ptr<impl> self)
  {
    while (!stopped) {
      const auto now = options.clock();
      const auto next_reset = options.budget->window_end(now);
      asio::system_timer t(executor);
      t.expires_at(std::min(std::chrono::system_clock::now() + options.held_check,
                            std::chrono::system_clock::now() + (next_reset - now)));
      held_timer = &t;
      co_await t.async_wait(use_tuple);
      held_timer = nullptr;
      if (stopped)
        break;
      auto held = co_await store::read_async(store, [&] { return store.held_jobs(1000); });
      if (!held)
        continue;
      const auto window = options.budget->window_of(options.clock());
      for (const auto& j : *held) {
        budget::admission a{window, options.budget->limits_for(j.agent, j.token_name), true};
        auto r = co_await on_store<store::admit_result>(
          [&](auto done) { store.async_admit_held(j.id, a, std::move(done)); });
        if (!r || !r->admitted)
          continue;
        announce(r->alerts);
        log(log_level::info, "job_admitted", {{"job", j.id}, {"window", window}});
        enqueue(self, j.id);
      }
    }
  }

  void announce(const std::vector<budget::budget_alert>& alerts)
  {
    for (const auto& a : alerts) {
      log(a.percent >= 100 ? log_level::warning : log_level::info, "budget_alert",
          {{"window", a.window}, {"scope", a.scope}, {"percent", std::to_string(a.percent)},
           {"used", budget::format_amount(a.used)}, {"limit", budget::format_amount(a.limit)}});
      if (options.on_budget_alert)
        options.on_budget_alert(a);
    }
  }

  // --- recovery ---

  // Every unfinished job this daemon may take (with SQLite: all of them; with
  // PostgreSQL: those no live daemon holds), then, with a lease, a heartbeat.
  asio::awaitable<void> recover(std::shared_ptr<impl> self)
  {
    auto claimed = co_await store::read_async(
      store, [&] { return store.claim_unfinished(std::numeric_limits<std::int64_t>::max()); });
    if (!claimed)
      throw std::runtime_error("cannot read unfinished jobs: " + claimed.error().message());
    co_await adopt(self, *claimed);
  }

  static constexpr std::size_t claim_batch = 10000; // per heartbeat

  // The heartbeat of a daemon sharing its database: renews its lease, and
  // takes over the jobs of daemons whose lease ran out.
  asio::awaitable<void> lease_keeper(std::shared_ptr<impl> self)
  {
    while (!stopped) {
      lease_timer.expires_after(*options.lease_heartbeat);
      co_await lease_timer.async_wait(use_tuple);
      if (stopped)
        break;
      if (auto renewed = co_await store::read_async(store, [&] { return store.renew_lease(); }); !renewed)
        log(log_level::error, "lease_renewal_failed", {{"error", renewed.error().message()}});
      auto orphans = co_await store::read_async(store, [&] { return store.claim_unfinished(claim_batch); });
      if (orphans && !orphans->empty()) {
        log(log_level::info, "jobs_taken_over", {{"count", std::to_string(orphans->size())}});
        co_await adopt(self, *orphans);
      }
    }
  }

  // Polls a running job from now on (found at start, taken over, or
  // called back here while another daemon follows it).
  void follow_running(const job& j, timestamp due)
  {
    auto& s = polling[j.id];
    s.execution_id = j.execution_id.value_or("");
    s.deadline = j.deadline_at;
    s.last_status = j.upstream_status.value_or("");
    s.last_results = j.results.size();
    s.token_hash = j.callback_token_hash.value_or("");
    schedule_poll(j.id, due);
  }

  // Starts working on jobs found unfinished (at start, or taken over).
  asio::awaitable<void> adopt(std::shared_ptr<impl> self, std::vector<job>& jobs)
  {
    for (auto& j : jobs) {
      if (follows(j.id))
        continue;
      switch (j.state) {
      case job_state::queued:
      case job_state::uploading: enqueue(self, j.id); break;
      case job_state::submitting: {
        const job_error error{"submit_outcome_unknown",
                              "weshopd stopped while submitting this run; WeShop may have started it, so it is not sent again",
                              true};
        co_await fail(j, error);
        break;
      }
      case job_state::running: follow_running(j, j.next_attempt_at.value_or(now_ms())); break;
      default: break;
      }
    }
  }
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
  co_await impl_->recover(impl_);
  asio::co_spawn(impl_->executor, impl_->scheduler(impl_), asio::detached);
  if (impl_->options.lease_heartbeat)
    asio::co_spawn(impl_->executor, impl_->lease_keeper(impl_), asio::detached);
  if (impl_->options.budget && impl_->options.budget->options().policy == budget::over_budget::hold)
    asio::co_spawn(impl_->executor, impl_->admit_held_jobs(impl_), asio::detached);
}

void engine::stop()
{
  impl_->stopped = true;
  impl_->wake.cancel();
  impl_->lease_timer.cancel();
  if (impl_->held_timer)
    impl_->held_timer->cancel();
  impl_->feed.close(); // live streams end
}

asio::awaitable<result<store::insert_result>> engine::create(store::new_job j)
{
  if (impl_->waiting() >= impl_->options.max_waiting_jobs)
    co_return errc::overloaded; // the API answers 503 + Retry-After instead of growing without bound
  if (!j.deadline_at)
    j.deadline_at = now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.deadline);
  auto r = co_await impl_->on_store<store::insert_result>(
    [&](auto done) { impl_->store.async_insert(std::move(j), std::move(done)); });
  if (r)
    impl_->announce(r->alerts);
  if (r && r->created) {
    impl_->feed.publish(r->created_or_existing);
    if (impl_->options.on_event)
      impl_->options.on_event(r->created_or_existing);
    impl_->enqueue(impl_, r->created_or_existing.id);
  }
  co_return r;
}

asio::awaitable<result<cancel_outcome>> engine::cancel(std::string id)
{
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = co_await store::read_async(impl_->store, [&] { return impl_->store.get(id); });
    if (!current)
      co_return current.error();
    if (current->state == job_state::canceled)
      co_return cancel_outcome{std::move(*current), false};
    if (is_terminal(current->state))
      co_return errc::illegal_transition;
    const bool run_exists = current->state == job_state::running || current->state == job_state::submitting;
    const store::job_patch none;
    const std::string detail = "canceled by request";
    auto r = co_await impl_->move(*current, job_state::canceled, none, detail);
    if (r) {
      impl_->polls.remove(id);
      impl_->polling.erase(id);
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
  const auto key = name + "/" + version;
  const auto now = now_ms();
  if (const auto it = impl_->agent_info_cache.find(key);
      it != impl_->agent_info_cache.end() && now - it->second.first < impl_->options.agent_info_ttl)
    co_return it->second.second;
  auto info = co_await impl_->client.agent_info(name, version, timeout);
  if (info)
    impl_->agent_info_cache[key] = {now, *info};
  co_return info;
}

change_hub& engine::changes()
{
  return impl_->hub;
}

job_feed& engine::feed()
{
  return impl_->feed;
}

void engine::remote_change(const std::string& job_id)
{
  asio::co_spawn(impl_->executor, impl_->remote_change(impl_, job_id), asio::detached);
}

asio::awaitable<callback_verdict> engine::callback(const std::string& job_id, const std::string& token)
{
  co_return co_await impl_->callback(job_id, token);
}

const upstream::upstream_health& engine::upstream_health() const
{
  return impl_->client.health();
}

engine::statistics engine::stats() const
{
  auto s = impl_->counters;
  s.polling = impl_->polls.size();
  if (const auto due = impl_->polls.next_due(); due && *due < now_ms())
    s.poll_lag = std::chrono::duration_cast<std::chrono::milliseconds>(now_ms() - *due);
  s.active = impl_->active;
  return s;
}

} // namespace weshopd::engine
