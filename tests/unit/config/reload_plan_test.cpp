// A reload applies what can change live and names, then keeps, the rest.
#include "config/reload_plan.hpp"
#include "config/settings_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace weshopd::config;
using strings = std::vector<std::string>;

TEST(ReloadPlan, NothingChangedNothingNamed)
{
  const settings running;
  const auto plan = plan_reload(running, running);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.kept.empty());
}

TEST(ReloadPlan, LiveChangesApplyAndTheRestIsKeptAndNamed)
{
  settings running;
  running.api.listen = {"127.0.0.1", 8787};
  running.store.path = "/var/lib/weshopd/jobs.db";
  settings loaded = running;
  loaded.api.listen = {"127.0.0.1", 9999};
  loaded.store.path = "/elsewhere.db";
  loaded.engine.max_concurrent_polls = 3;
  loaded.budget.daily = 5'000'000;
  loaded.budget.prices = {{"aimodel", 2'000'000}};
  loaded.api.token_file = "/etc/weshopd/tokens";
  loaded.log.level = weshopd::log_level::debug;
  loaded.limits.max_body = 1024;
  loaded.outbound.allow = {*weshopd::http::parse_network("10.0.0.0/8").network};

  const auto plan = plan_reload(running, loaded);

  EXPECT_EQ(plan.kept, (strings{"api.listen", "store.path", "engine.max_concurrent_polls"}));
  EXPECT_EQ(plan.applied, (strings{"api.token_file", "limits.max_body", "outbound.allow", "budget.prices",
                                   "budget.daily", "log.level"}));
  // The kept keys run on with their old values; the live ones take the new.
  EXPECT_EQ(plan.next.api.listen.port, 8787);
  EXPECT_EQ(plan.next.store.path, "/var/lib/weshopd/jobs.db");
  EXPECT_EQ(plan.next.engine.max_concurrent_polls, running.engine.max_concurrent_polls);
  EXPECT_EQ(plan.next.budget.daily, 5'000'000);
  EXPECT_EQ(plan.next.log.level, weshopd::log_level::debug);
  EXPECT_EQ(plan.next.limits.max_body, 1024u);
  EXPECT_EQ(plan.next.outbound.allow.size(), 1u);
}

TEST(ReloadPlan, TheTableSaysWhatReloadsLive)
{
  for (const auto* key : {"api.token_file", "budget.daily", "budget.per_token", "notify.url", "notify.events", "scheduler.weights",
                          "outbound.allow", "log.level", "limits.max_body", "limits.max_header"})
    EXPECT_TRUE(reloads_live(key)) << key;
  for (const auto* key : {"api.listen", "api.unix_socket", "store.backend", "store.path", "store.url",
                          "upstream.test_origin", "upstream.ca_file", "callbacks.listen", "engine.max_concurrent_submits",
                          "limits.max_connections", "no.such_key"})
    EXPECT_FALSE(reloads_live(key)) << key;
}

TEST(ReloadPlan, KeysWithTheirOwnParsersAreComparedAndKeptToo)
{
  // A key whose value differs is either applied or kept: none is missed.
  settings running;
  settings loaded;
  loaded.api.heartbeat_seconds = 5;
  loaded.uploads.roots = {"/srv/images"};
  loaded.budget.currency = "EUR";
  loaded.budget.reset_hour = 6;
  const auto plan = plan_reload(running, loaded);
  EXPECT_EQ(plan.kept, (strings{"api.heartbeat_seconds", "uploads.roots", "budget.currency"}));
  EXPECT_EQ(plan.applied, (strings{"budget.reset_hour"}));
  EXPECT_EQ(plan.next.api.heartbeat_seconds, 15u);
  EXPECT_EQ(plan.next.budget.currency, "images");
  EXPECT_EQ(plan.next.budget.reset_hour, 6u);
}

TEST(ReloadPlan, EverySettingInTheTableCanBeComparedAndKept)
{
  // A key added without its field (settings_table.cpp: bound) could not be reloaded.
  for (const auto& s : weshopd::config::detail::table()) {
    EXPECT_TRUE(s.same) << s.name;
    EXPECT_TRUE(s.keep) << s.name;
  }
}
