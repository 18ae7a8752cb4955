#pragma once
// What jobs cost and how much may be spent (issue #11). Pure: no clock of its
// own (callers pass "now"), no I/O.
//
// Money is kept as integer micro-units (1 unit = 1,000,000), so sums never
// drift; the unit is budget.currency ("images" by default: every image
// costs 1). A job's cost is its image count (batchCount, default 4) times the
// price of its agent (or of agent/generateVersion, where that is set).
//
// Budgets count per window: a local day that starts at budget.reset_hour.
// Windows are named by their first day ("2026-11-26"). Scopes: "global",
// "agent:<name>", "token:<name>"; each may have a limit.

#include "common/time.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::budget {

using micros = std::int64_t;
inline constexpr micros one_unit = 1'000'000;

// "12", "0.05", "1.5" -> micros; nullopt for anything else (negative, >6 decimals, junk).
std::optional<micros> parse_amount(std::string_view text);
// micros -> "0.05", "12" (no trailing zeros).
std::string format_amount(micros amount);

enum class over_budget { reject, hold };

struct scope_limit {
  std::string scope; // "global", "agent:aipose", "token:shop-a"
  micros limit = 0;
};

// How a new (or held) job is admitted: in this window, against these limits;
// over one of them it is refused, or held when hold_when_over.
struct admission {
  std::string window;
  std::vector<scope_limit> limits{};
  bool hold_when_over = false;
};

// A scope's committed spend crossed 80 % or 100 % of its limit.
struct budget_alert {
  std::string window;
  std::string scope;
  int percent = 0;
  micros used = 0;
  micros limit = 0;
};

// Whether `cost` more fits every limit, given what each has committed (same order).
bool fits(const std::vector<scope_limit>& limits, const std::vector<micros>& used, micros cost);
// The thresholds (80, 100) that adding `cost` crosses for the first time in
// the window (`alerted`: the highest percent already announced, per limit).
std::vector<budget_alert> crossings(const admission& a, const std::vector<micros>& used,
                                    const std::vector<int>& alerted, micros cost);

struct policy_options {
  std::string currency = "images";
  std::map<std::string, micros> prices{}; // "aipose" or "aipose/pro" -> per image
  std::optional<micros> daily{};          // global
  std::map<std::string, micros> per_agent{};
  std::map<std::string, micros> per_token{};
  int reset_hour = 0; // local time, 0-23
  over_budget policy = over_budget::reject;
};

class budget_policy {
public:
  explicit budget_policy(policy_options options = {});

  // Images a request makes (batchCount, else the catalog's default of 4).
  static std::int64_t images_of(const boost::json::object& params);
  micros price_per_image(const std::string& agent, const boost::json::object& params) const;

  // The window `at` falls in, and when it ends (the next reset).
  std::string window_of(timestamp at) const;
  timestamp window_end(timestamp at) const;

  // The limits a job of `agent` sent with `token` (may be empty) counts against.
  std::vector<scope_limit> limits_for(const std::string& agent, const std::optional<std::string>& token) const;
  // What a job of `agent` sent with `token` is admitted against at `at`: the
  // window, its limits, and whether it waits (hold) or is refused when over.
  admission admission_for(const std::string& agent, const std::optional<std::string>& token, timestamp at) const;
  // Every configured limit, each scope once (for the metrics).
  std::vector<scope_limit> all_limits() const;

  const policy_options& options() const { return options_; }

private:
  policy_options options_;
};

// Parses "name=amount" entries (budget.prices, budget.per_agent, budget.per_token);
// an empty string when all are well formed, else what is wrong.
std::string parse_amounts(const std::vector<std::string>& entries, std::map<std::string, micros>& out);

} // namespace weshopd::budget
