#include "sim_durations.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace weshop_sim {
namespace json = boost::json;
using std::chrono::milliseconds;

std::chrono::milliseconds draw_duration(const lognormal_duration& d, std::mt19937_64& rng)
{
  if (d.sigma <= 0)
    return std::clamp(d.median, milliseconds(1), longest_drawn_run);
  const double z = std::normal_distribution<double>(0.0, 1.0)(rng);
  const double ms = static_cast<double>(d.median.count()) * std::exp(d.sigma * z);
  const double longest = static_cast<double>(longest_drawn_run.count());
  return milliseconds(static_cast<std::int64_t>(std::llround(std::clamp(ms, 1.0, longest))));
}

timing split_like(const timing& base, std::chrono::milliseconds total)
{
  const auto whole = base.total().count();
  if (whole <= 0)
    return {milliseconds(0), milliseconds(0), total};
  // Rounded down, so the phases never add up to more than `total`; Running takes the rest.
  const auto share = [&](milliseconds part) { return milliseconds(total.count() * part.count() / whole); };
  timing t{share(base.pending), share(base.segmenting), {}};
  t.running = total - t.pending - t.segmenting;
  return t;
}

namespace {

constexpr std::string_view limits_text = "MEDIAN_MS a whole number of ms (1 to 86400000), SIGMA 0 to 5";

bool within_limits(std::int64_t median_ms, double sigma)
{
  return median_ms >= 1 && median_ms <= longest_drawn_run.count() && sigma >= 0 && sigma <= 5;
}

} // namespace

std::optional<agent_duration> parse_duration_spec(std::string_view text, std::string& error)
{
  const auto eq = text.find('=');
  const auto colon = text.find(':', eq == std::string_view::npos ? 0 : eq);
  if (eq == 0 || eq == std::string_view::npos || colon == std::string_view::npos) {
    error = "expected AGENT=MEDIAN_MS:SIGMA (AGENT * for the others), got '" + std::string(text) + "'";
    return std::nullopt;
  }
  const auto median_text = text.substr(eq + 1, colon - eq - 1);
  const auto sigma_text = text.substr(colon + 1);
  std::int64_t median = 0;
  double sigma = -1;
  const auto m = std::from_chars(median_text.data(), median_text.data() + median_text.size(), median);
  const auto s = std::from_chars(sigma_text.data(), sigma_text.data() + sigma_text.size(), sigma);
  const bool whole_median = m.ec == std::errc{} && m.ptr == median_text.data() + median_text.size();
  const bool whole_sigma = s.ec == std::errc{} && s.ptr == sigma_text.data() + sigma_text.size();
  if (!whole_median || !whole_sigma || !within_limits(median, sigma)) {
    error = "in '" + std::string(text) + "': " + std::string(limits_text);
    return std::nullopt;
  }
  return agent_duration{std::string(text.substr(0, eq)), {milliseconds(median), sigma}};
}

const lognormal_duration* run_durations::for_agent(std::string_view agent) const
{
  if (const auto it = by_agent_.find(agent); it != by_agent_.end())
    return &it->second;
  const auto any = by_agent_.find("*");
  return any == by_agent_.end() ? nullptr : &any->second;
}

timing run_durations::phases_for(std::string_view agent, const timing& fixed, std::mt19937_64& rng) const
{
  const auto* d = for_agent(agent);
  return d ? split_like(fixed, draw_duration(*d, rng)) : fixed;
}

json::object run_durations::to_json() const
{
  json::object out;
  for (const auto& [agent, d] : by_agent_)
    out[agent] = json::object{{"median_ms", d.median.count()}, {"sigma", d.sigma}};
  return out;
}

std::optional<run_durations> run_durations::from_json(const json::object& o, std::string& error)
{
  run_durations out;
  for (const auto& [agent, v] : o) {
    const auto* d = v.if_object();
    const auto* median = d ? d->if_contains("median_ms") : nullptr;
    const auto* sigma = d ? d->if_contains("sigma") : nullptr;
    const bool shaped = median && median->is_int64() && sigma && sigma->is_number() && d->size() == 2;
    if (agent.empty() || !shaped || !within_limits(median->get_int64(), sigma->to_number<double>())) {
      error = "\"" + std::string(agent) + "\": {\"median_ms\": 1 to 86400000, \"sigma\": 0 to 5}";
      return std::nullopt;
    }
    out.set(std::string(agent), {milliseconds(median->get_int64()), sigma->to_number<double>()});
  }
  return out;
}

} // namespace weshop_sim
