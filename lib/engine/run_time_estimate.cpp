#include "engine/run_time_estimate.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace weshopd::engine {

namespace {

constexpr auto n_buckets = run_time_estimate::buckets;

// log(seconds) of bucket edges: edge i = lowest * ratio^i, i in 0..buckets.
double log_lowest() { return std::log(run_time_estimate::lowest_seconds); }
double log_step()
{
  return (std::log(run_time_estimate::highest_seconds) - log_lowest()) / static_cast<double>(n_buckets);
}

// Where a run time falls, in bucket units (0 .. buckets), clamped.
double position(std::chrono::milliseconds d)
{
  const double seconds = std::max(1e-3, static_cast<double>(d.count()) / 1000.0);
  return std::clamp((std::log(seconds) - log_lowest()) / log_step(), 0.0, static_cast<double>(n_buckets));
}

std::chrono::milliseconds at_position(double pos)
{
  return std::chrono::milliseconds(std::llround(1000.0 * std::exp(log_lowest() + pos * log_step())));
}

} // namespace

void run_time_estimate::update(std::chrono::milliseconds at_least, std::chrono::milliseconds at_most)
{
  if (at_most < at_least)
    std::swap(at_least, at_most);
  const double from = position(at_least);
  const double to = position(at_most);
  if (to - from < 1e-9) { // a point (or both clamped to one edge)
    counts_[std::min(static_cast<std::size_t>(from), n_buckets - 1)] += 1;
  } else {
    for (auto i = static_cast<std::size_t>(from); i < n_buckets && static_cast<double>(i) < to; ++i) {
      const double overlap = std::min(to, static_cast<double>(i + 1)) - std::max(from, static_cast<double>(i));
      counts_[i] += overlap / (to - from);
    }
  }
  ++count_;
}

void run_time_estimate::decay(double factor)
{
  for (auto& c : counts_)
    c *= factor;
}

double run_time_estimate::total() const
{
  double sum = 0;
  for (const auto c : counts_)
    sum += c;
  return sum;
}

std::optional<std::chrono::milliseconds> run_time_estimate::quantile(double q) const
{
  const double all = total();
  if (count_ == 0 || all <= 0)
    return std::nullopt;
  return at_weight(std::clamp(q, 0.0, 1.0) * all);
}

std::optional<std::chrono::milliseconds> run_time_estimate::quantile_after(double q, std::chrono::milliseconds elapsed) const
{
  const double all = total();
  if (count_ == 0 || all <= 0)
    return std::nullopt;
  const double before = weight_below(elapsed);
  const double beyond = all - before;
  if (beyond <= all * 1e-6)
    return std::nullopt;
  return std::max(elapsed, at_weight(before + std::clamp(q, 0.0, 1.0) * beyond));
}

double run_time_estimate::weight_below(std::chrono::milliseconds t) const
{
  const double pos = position(t);
  double below = 0;
  for (std::size_t i = 0; i < n_buckets; ++i)
    below += counts_[i] * std::clamp(pos - static_cast<double>(i), 0.0, 1.0);
  return below;
}

double run_time_estimate::share_below(std::chrono::milliseconds t) const
{
  const double all = total();
  return all > 0 ? std::clamp(weight_below(t) / all, 0.0, 1.0) : 0.0;
}

run_time_estimate run_time_estimate::with_unfinished(const std::vector<std::chrono::milliseconds>& at_least) const
{
  const double ended = total();
  if (at_least.empty() || ended <= 0)
    return *this;
  std::array<double, n_buckets> going_in{}; // runs still going, by the bucket they have reached
  double longest = 0;
  for (const auto d : at_least) {
    const double pos = position(d);
    going_in[std::min(static_cast<std::size_t>(pos), n_buckets - 1)] += 1;
    longest = std::max(longest, pos);
  }
  // Each still-going run weighs what the latest ended run does (1): it is as recent.
  double ended_beyond = ended, going_beyond = static_cast<double>(at_least.size());
  double surviving = 1;
  run_time_estimate out(*this);
  for (std::size_t i = 0; i < n_buckets; ++i) {
    const double at_risk = ended_beyond + going_beyond - going_in[i] / 2;
    const double share_ending = at_risk > 0 ? std::clamp(counts_[i] / at_risk, 0.0, 1.0) : 0;
    out.counts_[i] = surviving * share_ending;
    surviving *= 1 - share_ending;
    ended_beyond -= counts_[i];
    going_beyond -= going_in[i];
  }
  const auto above = std::min(static_cast<std::size_t>(longest) + 1, n_buckets - 1);
  out.counts_[above] += surviving;
  return out;
}

std::chrono::milliseconds run_time_estimate::at_weight(double target) const
{
  double below = 0;
  for (std::size_t i = 0; i < n_buckets; ++i) {
    if (counts_[i] > 0 && below + counts_[i] >= target) // inside bucket i: interpolate (log space)
      return at_position(static_cast<double>(i) + (target - below) / counts_[i]);
    below += counts_[i];
  }
  return at_position(static_cast<double>(n_buckets));
}

std::string run_time_estimate::serialize() const
{
  std::string out = "h1:" + std::to_string(count_) + ":";
  for (std::size_t i = 0; i < n_buckets; ++i) {
    if (i > 0)
      out += ',';
    if (counts_[i] < 0.0005)
      continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", counts_[i]);
    std::string s = buf;
    while (s.back() == '0')
      s.pop_back();
    if (s.back() == '.')
      s.pop_back();
    out += s;
  }
  return out;
}

std::optional<run_time_estimate> run_time_estimate::parse(std::string_view text)
{
  if (!text.starts_with("h1:"))
    return std::nullopt;
  text.remove_prefix(3);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  run_time_estimate e;
  const auto n = text.substr(0, colon);
  if (std::from_chars(n.data(), n.data() + n.size(), e.count_).ptr != n.data() + n.size() || n.empty())
    return std::nullopt;
  text.remove_prefix(colon + 1);
  for (std::size_t i = 0; i < n_buckets; ++i) {
    const auto comma = text.find(',');
    if ((comma == std::string_view::npos) != (i + 1 == n_buckets))
      return std::nullopt; // too few or too many counts
    const auto field = text.substr(0, comma);
    if (!field.empty()) {
      std::string s(field); // (strtod: the whole field must be a number)
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
        return std::nullopt;
      e.counts_[i] = v;
    }
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  return e;
}

std::string run_time_key(std::string_view agent, std::string_view version, const boost::json::object& params)
{
  std::string key = std::string(agent) + "@" + std::string(version);
  if (const auto* g = params.if_contains("generateVersion")) {
    if (g->is_string())
      key += "/" + std::string(g->get_string());
    else if (g->is_int64() || g->is_uint64() || g->is_double())
      key += "/" + boost::json::serialize(*g);
  }
  return key;
}

} // namespace weshopd::engine
