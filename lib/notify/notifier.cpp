#include "notify/notifier.hpp"

#include "job/batch_json.hpp"
#include "job/job_json.hpp"
#include "common/backoff.hpp"
#include "common/log.hpp"
#include "common/task_group.hpp"
#include "http/client.hpp"
#include "http/failure_class.hpp"
#include "metrics/registry.hpp"
#include "notify/signature.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <random>
#include <unordered_set>

namespace weshopd::notify {

namespace asio = boost::asio;
namespace json = boost::json;

struct notifier::impl : std::enable_shared_from_this<impl> {
  asio::any_io_executor executor;
  store::async_jobs jobs;
  notifier_options options;
  http::client client;
  asio::system_timer wake;
  std::unordered_set<std::int64_t> in_flight; // delivery ids being attempted now
  task_group loop{"notifier"};                 // run(): cancelled at stop()
  task_group attempts{"notifier_delivery"};    // may finish after stop(), until interrupt()
  std::mt19937_64 rng{std::random_device{}()};

  impl(asio::any_io_executor ex, store::job_store& s, notifier_options o)
    : executor(ex), jobs(s), options(std::move(o)),
      client(ex, {.max_per_origin = 4, .total_timeout = options.timeout, .addresses = options.addresses}), wake(ex)
  {
  }

  asio::awaitable<void> run(std::shared_ptr<impl> self)
  {
    for (;;) {
      const auto now = now_ms();
      if (in_flight.size() < options.max_in_flight) {
        auto due = co_await jobs.due_deliveries(now, options.max_in_flight);
        if (due)
          for (auto& d : *due)
            if (in_flight.size() < options.max_in_flight && in_flight.insert(d.id).second) {
              auto attempt = deliver(self, std::move(d));
              attempts.spawn(executor, std::move(attempt));
            }
      }
      // Sleep until the next due row (or a poke, or a finished attempt).
      auto next = co_await jobs.next_delivery_due();
      auto at = now + std::chrono::hours(1);
      if (next && *next && in_flight.size() < options.max_in_flight)
        at = std::max(**next, now + std::chrono::milliseconds(10));
      wake.expires_at(at);
      const bool go_on = co_await sleep_unless_cancelled(wake);
      if (!go_on)
        co_return;
    }
  }

  asio::awaitable<void> deliver(std::shared_ptr<impl> self, delivery d)
  {
    struct done_guard {
      impl& i;
      std::int64_t id;
      ~done_guard()
      {
        i.in_flight.erase(id);
        i.wake.cancel();
      }
    } guard{*self, d.id};

    store::delivery_attempt attempt;
    attempt.id = d.id;
    auto payload = co_await announcement(d);
    if (!payload) { // the job (or batch) is gone: nothing to announce
      attempt.error = d.batch_id ? "batch not found" : "job not found";
      co_await record(attempt);
      co_return;
    }
    const auto& [id, body] = *payload;
    const auto timestamp = std::chrono::duration_cast<std::chrono::seconds>(now_ms().time_since_epoch()).count();
    http::request req;
    req.method = "POST";
    req.url = d.url;
    req.content_type = "application/json";
    req.body = body;
    req.headers = {{"webhook-id", id},
                   {"webhook-timestamp", std::to_string(timestamp)},
                   {"webhook-signature", sign(options.key, id, timestamp, body)}};
    const auto r = co_await client.fetch(std::move(req));
    if (r && r.resp.status >= 200 && r.resp.status < 300) {
      attempt.delivered = true;
      attempt.status = static_cast<int>(r.resp.status);
    } else {
      if (r.resp.status)
        attempt.status = static_cast<int>(r.resp.status);
      attempt.error = http::failure_class(r);
      const auto retry_at =
        now_ms() + backoff(d.attempts, options.retry_initial, options.retry_cap,
                           std::uniform_real_distribution<double>(0, 1)(rng));
      if (retry_at - d.created_at < options.max_age)
        attempt.retry_at = retry_at;
      log(attempt.retry_at ? log_level::info : log_level::warning, "notify_failed",
          {{"job", d.job_id}, {"event", id}, {"error", attempt.error}, {"detail", r.message},
           {"attempt", std::to_string(d.attempts + 1)},
           {"next", attempt.retry_at ? to_rfc3339(*attempt.retry_at) : std::string("given up")}});
    }
    const std::string_view outcome = attempt.delivered ? "delivered" : attempt.retry_at ? "retrying" : "given_up";
    metrics::process_registry()
      .counter_of("weshopd_notify_attempts_total", "Local webhook delivery attempts, by outcome.",
                  {{"outcome", std::string(outcome)}})
      .add();
    co_await record(attempt);
  }

  // The webhook-id and body a delivery sends: the job after its event
  // ("evt_<event id>", type job.<state>), or for a batch's end the batch
  // ("batch_<id>": a batch ends once; type batch.<state>). nullopt: it is gone.
  // `d` by value: a coroutine's parameter (README, "Coroutines and GCC 12").
  asio::awaitable<std::optional<std::pair<std::string, std::string>>> announcement(delivery d)
  {
    if (d.batch_id) {
      const auto b = co_await jobs.get_batch(*d.batch_id);
      if (!b)
        co_return std::nullopt;
      co_return std::pair{"batch_" + b->id,
                          json::serialize(json::object{{"type", "batch." + std::string(to_string(batch_state_of(*b)))},
                                                       {"timestamp", to_rfc3339(now_ms())},
                                                       {"data", to_json(*b)}})};
    }
    const auto j = co_await jobs.get(d.job_id);
    if (!j)
      co_return std::nullopt;
    co_return std::pair{"evt_" + std::to_string(d.event_id),
                        json::serialize(json::object{{"type", "job." + std::string(to_string(d.event_state))},
                                                     {"timestamp", to_rfc3339(now_ms())},
                                                     {"data", to_json(*j)}})};
  }

  // Writes the attempt's outcome and waits until it is durable.
  asio::awaitable<void> record(const store::delivery_attempt& attempt)
  {
    co_await jobs.record_delivery(attempt);
  }
};

notifier::notifier(asio::any_io_executor executor, store::job_store& store, notifier_options options)
  : impl_(std::make_shared<impl>(std::move(executor), store, std::move(options)))
{
}

notifier::~notifier()
{
  stop();
}

void notifier::start()
{
  auto loop = impl_->run(impl_);
  impl_->loop.spawn(impl_->executor, std::move(loop));
}

void notifier::stop()
{
  impl_->loop.stop();
  impl_->attempts.stop(asio::cancellation_type::none); // attempts in flight may finish and be recorded
}

asio::awaitable<void> notifier::join()
{
  const auto self = impl_;
  co_await self->loop.wait();
  co_await self->attempts.wait();
}

void notifier::interrupt()
{
  impl_->attempts.emit(asio::cancellation_type::terminal);
}

void notifier::poke()
{
  impl_->wake.cancel();
}

} // namespace weshopd::notify
