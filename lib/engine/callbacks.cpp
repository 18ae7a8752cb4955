#include "engine/callbacks.hpp"

#include "common/secret.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"

namespace weshopd::engine {

namespace asio = boost::asio;

asio::awaitable<callback_verdict> callbacks::on_callback(const std::string& id, const std::string& token)
{
  const auto hash = sha256_hex(token);
  if (const auto* s = poller_.find(id); s && !s->token_hash.empty() && constant_time_equal(hash, s->token_hash)) {
    ++counts_.accepted;
    if (!poller_.hint(id))
      ++counts_.coalesced;
    co_return callback_verdict::accepted;
  }
  // Not followed here: a job another daemon follows (sharing the
  // database), a finished job's late callback, or a forgery.
  if (looks_like_uuid(id)) {
    const auto j = co_await ctx_.jobs.get(id);
    if (j && j->callback_token_hash && constant_time_equal(hash, *j->callback_token_hash)) {
      if (j->state == job_state::running && j->execution_id && !j->execution_id->empty() && !poller_.follows(id)) {
        ++counts_.accepted;
        poller_.follow_running(*j, now_ms()); // fetched here now; the compare-and-set settles who records the end
        co_return callback_verdict::accepted;
      }
      ++counts_.late;
      co_return callback_verdict::late;
    }
  }
  ++counts_.forged;
  co_return callback_verdict::forged;
}

asio::awaitable<void> callbacks::remote_change(keep_alive, std::string job_id)
{
  auto j = co_await ctx_.jobs.get(job_id);
  if (!j)
    co_return;
  if (is_terminal(j->state))
    poller_.forget(job_id);
  ctx_.hub.publish(job_id);
  ctx_.feed.publish(*j);
}

} // namespace weshopd::engine
