// The configuration reference is the settings table written out: every key
// with what it does, its type, its default (a value weshopd reads back as the
// default), its pinned environment name and whether a reload applies it.
#include "config/reference.hpp"
#include "config/settings_table.hpp"

#include "common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace weshopd;
using namespace weshopd::config;

namespace {

// The "### `key`" entry of the reference, up to the next heading.
std::string entry(const std::string& reference, std::string_view key)
{
  const auto start = reference.find("\n### `" + std::string(key) + "`\n");
  if (start == std::string::npos)
    return {};
  return reference.substr(start, reference.find("\n#", start + 1) - start);
}

std::string section(std::string_view key) { return std::string(key.substr(0, key.find('.'))); }
std::string leaf(std::string_view key) { return std::string(key.substr(key.find('.') + 1)); }

} // namespace

TEST(ConfigReference, EveryKeyHasItsEntryWithWhatItDoes)
{
  const auto reference = reference_markdown();
  for (const auto& s : detail::table()) {
    EXPECT_FALSE(s.about.empty()) << s.name << ": add about(\"what it does\", ...) in settings_table.cpp";
    EXPECT_FALSE(s.value_type.empty()) << s.name;
    ASSERT_TRUE(s.show) << s.name;
    const auto text = entry(reference, s.name);
    ASSERT_FALSE(text.empty()) << s.name;
    EXPECT_NE(text.find(std::string(s.about)), std::string::npos) << text;
    EXPECT_NE(text.find("- Type: " + s.value_type + "\n"), std::string::npos) << text;
    EXPECT_NE(text.find("- Environment: `" + detail::env_name(s.name) + "`"), std::string::npos) << text;
    EXPECT_NE(text.find(s.live ? "- Reload: live\n" : "- Reload: restart\n"), std::string::npos) << text;
    EXPECT_NE(reference.find("\n## [" + section(s.name) + "]\n"), std::string::npos) << s.name;
  }
}

TEST(ConfigReference, ShowsThePinnedNamesAndDefaults)
{
  const auto reference = reference_markdown();
  EXPECT_NE(entry(reference, "api.listen").find("- Default: `\"127.0.0.1:8787\"`\n- Environment: `WESHOPD_API_LISTEN`"),
            std::string::npos);
  EXPECT_NE(entry(reference, "limits.max_body").find("- Default: `16777216` (16 MiB)"), std::string::npos);
  EXPECT_NE(entry(reference, "uploads.roots").find("`WESHOPD_UPLOADS_ROOTS` (colon-separated)"), std::string::npos);
  EXPECT_NE(entry(reference, "outbound.allow").find("`WESHOPD_OUTBOUND_ALLOW` (comma-separated)"), std::string::npos);
  EXPECT_NE(entry(reference, "store.synchronous").find("- Type: one of off, normal, full, extra\n- Default: `\"full\"`"),
            std::string::npos);
  EXPECT_NE(entry(reference, "store.path").find("- Default: unset"), std::string::npos);
  EXPECT_NE(reference.find("| `jobs.retention_days` | `90` | restart |"), std::string::npos);
  EXPECT_NE(reference.find("| `log.level` | `\"info\"` | live |"), std::string::npos);
}

// Each default, written into a file as the reference shows it, loads as the default.
TEST(ConfigReference, EveryDefaultShownReadsBackAsTheDefault)
{
  test::temp_dir dir;
  const settings defaults;
  for (const auto& s : detail::table()) {
    const auto value = s.show(defaults);
    if (value.empty())
      continue; // unset
    const auto file = dir.file("one.conf");
    std::ofstream(file) << "[" << section(s.name) << "]\n" << leaf(s.name) << " = " << value << "\n";
    const auto r = load({.file = file, .environment = {{"STATE_DIRECTORY", dir.path().string()}}});
    ASSERT_TRUE(r) << s.name << " = " << value << ": " << r.errors[0].to_string();
    EXPECT_TRUE(s.same(r.values, defaults)) << s.name << " = " << value;
  }
}

// Values that are not defaults read back too: an IPv6 address, amounts, networks, a
// choice, a string with quotes and a backslash.
TEST(ConfigReference, ShownValuesReadBack)
{
  test::temp_dir dir;
  settings x;
  x.api.listen = {"::1", 9000};
  x.budget.prices = {{"aimodel", 50'000}, {"aipose/pro", 2'000'000}};
  x.budget.daily = 1'500'000;
  x.budget.policy = budget::over_budget::hold;
  x.outbound.allow = {*http::parse_network("10.0.0.0/8").network, *http::parse_network("::1/128").network};
  x.results.mirror = false; // on by default
  x.api.allowed_hosts = {"weshopd.lan", "shop.example"};
  x.budget.currency = "a \"quoted\" \\ unit";
  for (const auto* key : {"api.listen", "budget.prices", "budget.daily", "budget.policy", "outbound.allow",
                          "results.mirror", "api.allowed_hosts", "budget.currency"}) {
    const auto* s = detail::find(key);
    ASSERT_NE(s, nullptr) << key;
    const auto file = dir.file("one.conf");
    std::ofstream(file) << "[" << section(key) << "]\n" << leaf(key) << " = " << s->show(x) << "\n";
    const auto r = load({.file = file, .environment = {{"STATE_DIRECTORY", dir.path().string()}}});
    ASSERT_TRUE(r) << key << " = " << s->show(x) << ": " << r.errors[0].to_string();
    EXPECT_TRUE(s->same(r.values, x)) << key << " = " << s->show(x);
  }
}
