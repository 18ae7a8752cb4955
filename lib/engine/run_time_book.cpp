#include "engine/run_time_book.hpp"

#include <algorithm>
#include <cmath>

namespace weshopd::engine {

void run_time_book::load(const std::vector<store::run_time_row>& rows)
{
  for (const auto& row : rows)
    if (auto e = run_time_estimate::parse(row.histogram))
      entries_.insert_or_assign(row.key, entry{std::move(*e), false, row.updated_at, row.updated_at});
}

void run_time_book::observe(const std::string& key, std::chrono::milliseconds at_least,
                            std::chrono::milliseconds at_most, timestamp now)
{
  const auto [it, added] = entries_.try_emplace(key);
  auto& e = it->second;
  if (!added && now > e.updated_at) {
    const auto age = std::min<std::chrono::milliseconds>(now - e.updated_at, fade_idle_cap);
    e.estimate.decay(std::exp2(-std::chrono::duration<double>(age) / fade_half_life));
  }
  e.estimate.update(at_least, at_most);
  e.unsaved = true;
  e.updated_at = now;
  e.plan_stale = true;
}

const run_time_estimate* run_time_book::learned(const std::string& key) const
{
  const auto it = entries_.find(key);
  return it == entries_.end() || it->second.estimate.count() < min_observations_ ? nullptr : &it->second.estimate;
}

std::optional<run_time_quantiles> run_time_book::quantiles(const std::string& key) const
{
  const auto* e = learned(key);
  if (!e)
    return std::nullopt;
  return run_time_quantiles{*e->quantile(0.5), *e->quantile(0.9)};
}

const poll_plan* run_time_book::plan(const std::string& key, const poll_timing& t, timestamp now,
                                     const std::function<std::vector<std::chrono::milliseconds>()>& still_going)
{
  if (!learned(key))
    return nullptr;
  auto& e = entries_.at(key);
  if (!e.plan || (e.plan_stale && now - e.planned_at >= replan_every)) {
    e.plan = plan_polls(e.estimate.with_unfinished(still_going()), t);
    e.plan_stale = false;
    e.planned_at = now;
  }
  return &*e.plan;
}

std::optional<std::chrono::milliseconds> run_time_book::expected_end(const std::string& key,
                                                                   std::chrono::milliseconds elapsed) const
{
  const auto* e = learned(key);
  return e ? e->quantile_after(0.5, elapsed) : std::nullopt;
}

std::map<std::string, run_time_book::typical> run_time_book::typical_all() const
{
  std::map<std::string, typical> out;
  for (const auto& [key, e] : entries_)
    if (const auto q = quantiles(key))
      out.emplace(key, typical{q->p50, q->p90, e.estimate.count()});
  return out;
}

std::vector<store::run_time_row> run_time_book::take_unsaved(timestamp now, std::chrono::milliseconds every)
{
  std::vector<store::run_time_row> rows;
  for (auto& [key, e] : entries_) {
    if (!e.unsaved || (every.count() > 0 && e.saved_at && now - *e.saved_at < every))
      continue;
    rows.push_back({key, e.estimate.serialize(), e.updated_at});
    e.unsaved = false;
    e.saved_at = now;
  }
  return rows;
}

} // namespace weshopd::engine
