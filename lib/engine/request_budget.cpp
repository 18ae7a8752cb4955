#include "engine/request_budget.hpp"

#include <algorithm>
#include <cmath>

namespace weshopd::engine {

using namespace std::chrono_literals;

namespace {

// Token counts are sums of rate x elapsed: a refill that lands exactly on a
// whole token must count as one.
constexpr double epsilon = 1e-9;

double seconds_between(timestamp from, timestamp to)
{
  return std::chrono::duration<double>(to - from).count();
}

} // namespace

request_budget::request_budget(budget_settings settings, timestamp now)
  : settings_(settings), rate_(settings.max_per_second), refilled_(now), second_began_(now)
{
  tokens_ = burst();
}

void request_budget::advance(timestamp now)
{
  if (now <= refilled_)
    return;
  const double elapsed = seconds_between(refilled_, now);
  tokens_ = std::min(burst(), tokens_ + rate_ * elapsed);
  // A learnt rate creeps up once a second has passed without a 429.
  const auto quiet_from = std::max(refilled_, last_429_ + 1s);
  if (learning() && limited() && now > quiet_from)
    rate_ += settings_.creep * seconds_between(quiet_from, now);
  refilled_ = now;
}

void request_budget::count_sent(timestamp now)
{
  if (now - second_began_ >= 1s) {
    sent_last_second_ = now - second_began_ < 2s ? sent_this_second_ : 0;
    sent_this_second_ = 0;
    second_began_ = now;
  }
  ++sent_this_second_;
}

double request_budget::sent_per_second() const
{
  return static_cast<double>(std::max(sent_this_second_, sent_last_second_));
}

double request_budget::floor_for(request_kind kind) const
{
  const double b = burst();
  if (kind == request_kind::submit || b < 2)
    return 0; // a bucket of one token cannot be split
  return std::min(b - 1, std::max(1.0, std::floor(b * settings_.submit_reserve)));
}

bool request_budget::try_take(request_kind kind, timestamp now)
{
  advance(now);
  if (limited()) {
    if (tokens_ + epsilon < floor_for(kind) + 1)
      return false;
    tokens_ -= 1;
  }
  count_sent(now);
  return true;
}

std::size_t request_budget::available(request_kind kind, timestamp now)
{
  if (!limited())
    return std::numeric_limits<std::size_t>::max();
  advance(now);
  const double above = tokens_ + epsilon - floor_for(kind);
  return above < 1 ? 0 : static_cast<std::size_t>(above);
}

timestamp request_budget::next_available(request_kind kind, timestamp now)
{
  if (!limited())
    return now;
  advance(now);
  const double missing = floor_for(kind) + 1 - tokens_;
  if (missing <= epsilon)
    return now;
  // Rounded up to the millisecond: at that instant the token is there.
  const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(missing / rate_ * 1000)));
  return now + wait;
}

bool request_budget::on_rate_limited(timestamp now)
{
  advance(now);
  const bool same_burst = cuts_ > 0 && now - last_cut_ < 1s;
  last_429_ = std::max(last_429_, now);
  if (!learning() || same_burst)
    return false;
  // Half of what was sent (or of the rate, if less was sent). After the
  // first cut the bucket starts empty: the burst that drew the 429 spent it.
  const bool first = !limited();
  rate_ = std::max(settings_.learn_floor, std::min(rate(), sent_per_second()) * settings_.cut);
  tokens_ = first ? 0 : std::min(tokens_, burst());
  last_cut_ = now;
  ++cuts_;
  return true;
}

} // namespace weshopd::engine
