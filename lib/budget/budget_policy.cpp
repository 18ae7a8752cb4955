#include "budget/budget_policy.hpp"

#include <charconv>
#include <ctime>

namespace weshopd::budget {

namespace json = boost::json;

std::optional<micros> parse_amount(std::string_view text)
{
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12 || fraction.size() > 6 || (dot != std::string_view::npos && fraction.empty()))
    return std::nullopt;
  micros w = 0;
  micros f = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), w).ptr != whole.data() + whole.size() || w < 0)
    return std::nullopt;
  if (!fraction.empty() &&
      std::from_chars(fraction.data(), fraction.data() + fraction.size(), f).ptr != fraction.data() + fraction.size())
    return std::nullopt;
  for (auto n = fraction.size(); n < 6; ++n)
    f *= 10;
  for (char c : whole)
    if (c < '0' || c > '9')
      return std::nullopt;
  return w * one_unit + f;
}

std::string format_amount(micros amount)
{
  auto text = std::to_string(amount / one_unit);
  if (const auto f = amount % one_unit; f != 0) {
    auto digits = std::to_string(f);
    digits.insert(0, 6 - digits.size(), '0');
    while (digits.back() == '0')
      digits.pop_back();
    text += "." + digits;
  }
  return text;
}

std::string parse_amounts(const std::vector<std::string>& entries, std::map<std::string, micros>& out)
{
  for (const auto& e : entries) {
    const auto eq = e.find('=');
    const auto amount = eq == std::string::npos ? std::nullopt : parse_amount(std::string_view(e).substr(eq + 1));
    if (eq == 0 || !amount)
      return e + " is not name=amount (a number with at most 6 decimals)";
    out[e.substr(0, eq)] = *amount;
  }
  return {};
}

bool fits(const std::vector<scope_limit>& limits, const std::vector<micros>& used, micros cost)
{
  for (std::size_t i = 0; i < limits.size(); ++i)
    if (used[i] + cost > limits[i].limit)
      return false;
  return true;
}

std::vector<budget_alert> crossings(const admission& a, const std::vector<micros>& used,
                                    const std::vector<int>& alerted, micros cost)
{
  std::vector<budget_alert> out;
  for (std::size_t i = 0; i < a.limits.size(); ++i) {
    const auto limit = a.limits[i].limit;
    const auto after = used[i] + cost;
    for (const int percent : {100, 80}) // the highest crossed only
      if (alerted[i] < percent && after * 100 >= limit * percent) {
        out.push_back({a.window, a.limits[i].scope, percent, after, limit});
        break;
      }
  }
  return out;
}

budget_policy::budget_policy(policy_options options) : options_(std::move(options)) {}

std::int64_t budget_policy::images_of(const json::object& params)
{
  if (const auto* n = params.if_contains("batchCount"); n && n->is_int64())
    return n->get_int64();
  if (const auto* n = params.if_contains("batchCount"); n && n->is_uint64())
    return static_cast<std::int64_t>(n->get_uint64());
  return 4; // WeShop's default
}

micros budget_policy::price_per_image(const std::string& agent, const json::object& params) const
{
  if (const auto* v = params.if_contains("generateVersion"); v && v->is_string())
    if (const auto it = options_.prices.find(agent + "/" + std::string(v->get_string())); it != options_.prices.end())
      return it->second;
  if (const auto it = options_.prices.find(agent); it != options_.prices.end())
    return it->second;
  return one_unit;
}

namespace {

// The local calendar day a window starts on, for an instant.
std::tm window_day(timestamp at, int reset_hour)
{
  const auto shifted = std::chrono::system_clock::to_time_t(at - std::chrono::hours(reset_hour));
  std::tm local{};
  localtime_r(&shifted, &local);
  return local;
}

} // namespace

std::string budget_policy::window_of(timestamp at) const
{
  const auto day = window_day(at, options_.reset_hour);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &day);
  return text;
}

timestamp budget_policy::window_end(timestamp at) const
{
  auto next = window_day(at, options_.reset_hour);
  next.tm_mday += 1; // mktime normalises (month ends, DST)
  next.tm_hour = options_.reset_hour;
  next.tm_min = next.tm_sec = 0;
  next.tm_isdst = -1;
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::from_time_t(std::mktime(&next)));
}

admission budget_policy::admission_for(const std::string& agent, const std::optional<std::string>& token,
                                       timestamp at) const
{
  return {window_of(at), limits_for(agent, token), options_.policy == over_budget::hold};
}

std::vector<scope_limit> budget_policy::limits_for(const std::string& agent, const std::optional<std::string>& token) const
{
  std::vector<scope_limit> out;
  if (options_.daily)
    out.push_back({"global", *options_.daily});
  if (const auto it = options_.per_agent.find(agent); it != options_.per_agent.end())
    out.push_back({"agent:" + agent, it->second});
  if (token)
    if (const auto it = options_.per_token.find(*token); it != options_.per_token.end())
      out.push_back({"token:" + *token, it->second});
  return out;
}

std::vector<scope_limit> budget_policy::all_limits() const
{
  std::vector<scope_limit> out;
  if (options_.daily)
    out.push_back({"global", *options_.daily});
  for (const auto& [agent, limit] : options_.per_agent)
    out.push_back({"agent:" + agent, limit});
  for (const auto& [token, limit] : options_.per_token)
    out.push_back({"token:" + token, limit});
  return out;
}

} // namespace weshopd::budget
