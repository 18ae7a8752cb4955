// Prices, amounts, budget windows and the admission arithmetic (pure).

#include "api/duplicate_breaker.hpp"
#include "budget/budget_policy.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

using namespace weshopd;
using namespace weshopd::budget;
namespace json = boost::json;

namespace {

// Runs the test body in a named time zone, then restores the one before.
class InZone {
public:
  explicit InZone(const char* tz)
  {
    if (const char* old = std::getenv("TZ"))
      old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~InZone()
  {
    if (old_)
      setenv("TZ", old_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

private:
  std::optional<std::string> old_;
};

timestamp utc(int y, int mo, int d, int h, int mi = 0)
{
  using namespace std::chrono;
  return time_point_cast<milliseconds>(sys_days(year(y) / mo / d) + hours(h) + minutes(mi));
}

} // namespace

TEST(Amount, ParsesAndFormatsExactly)
{
  EXPECT_EQ(parse_amount("12"), 12 * one_unit);
  EXPECT_EQ(parse_amount("0.05"), 50'000);
  EXPECT_EQ(parse_amount("1.000001"), 1'000'001);
  for (const auto* bad : {"", "-1", "1.", ".5", "1.2345678", "1e3", "abc", "1,5", " 1"})
    EXPECT_FALSE(parse_amount(bad)) << bad;
  EXPECT_EQ(format_amount(50'000), "0.05");
  EXPECT_EQ(format_amount(12 * one_unit), "12");
  EXPECT_EQ(format_amount(1'000'001), "1.000001");
  std::map<std::string, micros> m;
  EXPECT_EQ(parse_amounts({"aipose=0.5", "aipose/pro=2"}, m), "");
  EXPECT_EQ(m.at("aipose/pro"), 2 * one_unit);
  EXPECT_NE(parse_amounts({"aipose"}, m), "");
  EXPECT_NE(parse_amounts({"=1"}, m), "");
}

TEST(BudgetPolicy, PricesImagesPerAgentAndVersion)
{
  budget_policy p({.prices = {{"aipose", 500'000}, {"aipose/pro", 2 * one_unit}}});
  EXPECT_EQ(budget_policy::images_of(json::parse(R"({"batchCount":3})").as_object()), 3);
  EXPECT_EQ(budget_policy::images_of(json::object{}), 4) << "WeShop's default";
  EXPECT_EQ(p.price_per_image("aipose", json::object{}), 500'000);
  EXPECT_EQ(p.price_per_image("aipose", json::parse(R"({"generateVersion":"pro"})").as_object()), 2 * one_unit);
  EXPECT_EQ(p.price_per_image("aipose", json::parse(R"({"generateVersion":"lite"})").as_object()), 500'000);
  EXPECT_EQ(p.price_per_image("aimodel", json::object{}), one_unit) << "default unit: one image";
}

TEST(BudgetPolicy, WindowsAreLocalDaysStartingAtTheResetHour)
{
  const InZone tz("Europe/Berlin"); // UTC+1 in November
  budget_policy p({.reset_hour = 6});
  EXPECT_EQ(p.window_of(utc(2026, 11, 26, 4, 59)), "2026-11-25") << "05:59 local: still yesterday's budget";
  EXPECT_EQ(p.window_of(utc(2026, 11, 26, 5, 0)), "2026-11-26") << "06:00 local: a new day";
  EXPECT_EQ(p.window_end(utc(2026, 11, 26, 4, 59)), utc(2026, 11, 26, 5, 0));
  EXPECT_EQ(p.window_end(utc(2026, 11, 26, 5, 0)), utc(2026, 11, 27, 5, 0));
  EXPECT_EQ(p.window_end(utc(2026, 11, 30, 12, 0)), utc(2026, 12, 1, 5, 0)) << "across a month's end";
  budget_policy midnight{policy_options{}};
  EXPECT_EQ(midnight.window_of(utc(2026, 11, 26, 22, 59)), "2026-11-26");
  EXPECT_EQ(midnight.window_of(utc(2026, 11, 26, 23, 0)), "2026-11-27");
}

TEST(BudgetPolicy, LimitsThatApplyToAJob)
{
  budget_policy p({.daily = 100 * one_unit, .per_agent = {{"aipose", 10 * one_unit}}, .per_token = {{"shop-a", 5 * one_unit}}});
  const auto scopes = [](const std::vector<scope_limit>& ls) {
    std::vector<std::string> out;
    for (const auto& l : ls)
      out.push_back(l.scope);
    return out;
  };
  EXPECT_EQ(scopes(p.limits_for("aipose", "shop-a")), (std::vector<std::string>{"global", "agent:aipose", "token:shop-a"}));
  EXPECT_EQ(scopes(p.limits_for("aimodel", std::nullopt)), (std::vector<std::string>{"global"}));
  EXPECT_EQ(p.all_limits().size(), 3u);
  const budget_policy none{policy_options{}};
  EXPECT_TRUE(none.all_limits().empty());
  EXPECT_TRUE(none.limits_for("aipose", "x").empty());
}

TEST(Admission, FitsEveryLimitAndAlertsOncePerThreshold)
{
  const admission a{"2026-11-26", {{"global", 10}, {"agent:aipose", 5}}, false};
  EXPECT_TRUE(fits(a.limits, {6, 1}, 4));
  EXPECT_FALSE(fits(a.limits, {7, 1}, 4)) << "global would be 11";
  EXPECT_FALSE(fits(a.limits, {0, 2}, 4)) << "the agent's would be 6";
  EXPECT_TRUE(fits({}, {}, 1'000'000)) << "no limits, no cap";

  auto crossed = crossings(a, {6, 0}, {0, 0}, 2); // global 8/10 = 80 %, agent 2/5
  ASSERT_EQ(crossed.size(), 1u);
  EXPECT_EQ(crossed[0].scope, "global");
  EXPECT_EQ(crossed[0].percent, 80);
  EXPECT_TRUE(crossings(a, {8, 2}, {80, 0}, 1).empty()) << "80 % said already; 90 % is no threshold";
  crossed = crossings(a, {8, 1}, {80, 0}, 4); // global to 12, agent to 5
  ASSERT_EQ(crossed.size(), 2u);
  EXPECT_EQ(crossed[0].percent, 100);
  EXPECT_EQ(crossed[1].scope, "agent:aipose");
  EXPECT_EQ(crossed[1].percent, 100) << "straight past 80 to 100: one alert, the higher";
}

TEST(DuplicateBreaker, RefusesTheRequestPastTheLimitUntilTheWindowMovesOn)
{
  using namespace std::chrono_literals;
  api::duplicate_breaker b(3, 60s);
  const auto t0 = api::duplicate_breaker::clock::time_point{} + 1h;
  EXPECT_TRUE(b.allow("a", t0));
  EXPECT_TRUE(b.allow("a", t0 + 1s));
  EXPECT_TRUE(b.allow("a", t0 + 2s));
  EXPECT_FALSE(b.allow("a", t0 + 3s));
  EXPECT_TRUE(b.allow("b", t0 + 3s)) << "another body is another count";
  EXPECT_FALSE(b.allow("a", t0 + 59s));
  EXPECT_TRUE(b.allow("a", t0 + 61s)) << "the first one left the window";
  EXPECT_TRUE(b.allow("a", t0 + 10min));
}
