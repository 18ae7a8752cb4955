#include "api/stream_slots.hpp"

#include "api/errors.hpp"

namespace weshopd::api {

stream_slots::stream_slots(std::size_t max)
{
  counter_->max = max;
}

std::shared_ptr<void> stream_slots::try_take()
{
  auto used = counter_->used.load();
  do {
    if (used >= counter_->max)
      return nullptr;
  } while (!counter_->used.compare_exchange_weak(used, used + 1));
  // The slot is the counter itself, kept alive by the slot and released by it.
  return std::shared_ptr<void>(counter_.get(), [keep = counter_](void*) { keep->used.fetch_sub(1); });
}

std::size_t stream_slots::in_use() const
{
  return counter_->used.load();
}

http::outgoing stream_slots::refusal()
{
  auto out = error_response(503, "overloaded",
                            "too many event streams and long-polls are open (limits.max_streams); try again shortly");
  out.headers.push_back({"Retry-After", "5"});
  return out;
}

} // namespace weshopd::api
