#include "engine/transitions.hpp"

#include "common/backoff.hpp"
#include "common/log.hpp"
#include "metrics/registry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weshopd::engine {

namespace asio = boost::asio;

bool is_storage_failure(const boost::system::error_code& ec)
{
  return ec == errc::storage_full || ec == errc::storage_readonly || ec == errc::storage_io ||
         ec == errc::storage_busy || ec == errc::storage_failed;
}

namespace {

asio::awaitable<result<job>> transition_once(engine_context& ctx, const job& j, job_state to,
                                             const store::job_patch& patch, const std::string& detail)
{
  co_return co_await ctx.jobs.transition(j.id, j.state, to, patch, detail);
}

} // namespace

asio::awaitable<result<job>> transition_with_retry(engine_context& ctx, const job& j, job_state to,
                                                   const store::job_patch& patch, const std::string& detail)
{
  auto r = co_await transition_once(ctx, j, to, patch, detail);
  for (int attempt = 0; !r && is_storage_failure(r.error()) && !ctx.stopped(); ++attempt) {
    if (attempt % 20 == 0)
      log(log_level::error, "storage_failed",
          {{"job", j.id}, {"state", to_string(to)}, {"error", r.error().message()}, {"action", "retrying"}});
    asio::steady_timer pause(ctx.executor,
                             backoff(attempt, std::chrono::milliseconds(100), std::chrono::seconds(5), ctx.unit()));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    r = co_await transition_once(ctx, j, to, patch, detail);
  }
  if (r) {
    ctx.hub.publish(j.id);
    if (r->batch_id) // GET /v1/batches/{id}?wait= hears of its items
      ctx.hub.publish(batch_topic(*r->batch_id));
    if (to != j.state) {
      ctx.feed.publish(*r);
      if (ctx.options.on_event)
        ctx.options.on_event(*r);
      log(log_level::info, "job_state",
          {{"job", j.id}, {"from", to_string(j.state)}, {"state", to_string(to)}, {"detail", detail}});
    }
  }
  co_return r;
}

asio::awaitable<result<job>> fail_job(engine_context& ctx, const job& j, const job_error& error)
{
  store::job_patch p;
  p.error = error;
  const std::string detail = error.code;
  co_return co_await transition_with_retry(ctx, j, job_state::failed, p, detail);
}

void count_retry(std::string_view step)
{
  metrics::process_registry()
    .counter_of("weshopd_upstream_retries_total", "WeShop calls to be tried again after a failure, by step.",
                {{"step", std::string(step)}})
    .add();
}

} // namespace weshopd::engine
