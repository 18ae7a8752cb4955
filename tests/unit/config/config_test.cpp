#include "config/config.hpp"
#include "config/credentials.hpp"
#include "config/secrets.hpp"

#include "common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace weshopd;
using namespace weshopd::config;

namespace {

class Config : public ::testing::Test {
protected:
  test::temp_dir dir_;
  std::map<std::string, std::string> env_{{"STATE_DIRECTORY", dir_.path().string()}};

  std::string write(const std::string& name, const std::string& text)
  {
    const auto path = dir_.file(name);
    std::ofstream(path) << text;
    return path;
  }

  static std::vector<std::string> texts(const std::vector<http::ip_network>& networks)
  {
    std::vector<std::string> out;
    for (const auto& n : networks)
      out.push_back(n.to_string());
    return out;
  }

  std::vector<std::string> error_keys(const load_result& r)
  {
    std::vector<std::string> keys;
    for (const auto& e : r.errors) {
      EXPECT_FALSE(e.message.empty());
      keys.push_back(e.key);
    }
    return keys;
  }
};

} // namespace

// Pictures by default: copies beside the state, bounded by retention and a
// size cap; with nowhere to put them (postgres outside systemd) the default
// yields instead of stopping the daemon.
TEST_F(Config, ResultCopiesAreOnByDefaultWhereThereIsAPlaceForThem)
{
  const auto r = load({.environment = env_});
  ASSERT_TRUE(r) << r.errors[0].to_string();
  EXPECT_TRUE(r.values.results.mirror);
  EXPECT_EQ(r.values.results.dir, dir_.file("results"));
  EXPECT_EQ(r.values.results.retention_days, 30u);
  EXPECT_EQ(r.values.results.max_total_bytes, 10ull * 1024 * 1024 * 1024);

  const std::map<std::string, std::string> pg{{"WESHOPD_STORE_BACKEND", "postgres"},
                                              {"WESHOPD_STORE_URL", "postgresql://db.test/weshopd"}};
  const auto fleet = load({.environment = pg});
  ASSERT_TRUE(fleet) << fleet.errors[0].to_string();
  EXPECT_FALSE(fleet.values.results.mirror);
  auto shared = pg;
  shared["WESHOPD_RESULTS_DIR"] = dir_.file("shared-results");
  const auto named = load({.environment = shared});
  ASSERT_TRUE(named) << named.errors[0].to_string();
  EXPECT_TRUE(named.values.results.mirror);
  EXPECT_EQ(named.values.results.dir, dir_.file("shared-results"));
}

TEST_F(Config, DefaultsNeedOnlyAStateDirectory)
{
  const auto r = load({.environment = env_});
  ASSERT_TRUE(r) << r.errors[0].to_string();
  EXPECT_EQ(r.values.api.listen, (listen_address{"127.0.0.1", 8787}));
  EXPECT_EQ(r.values.store.path, dir_.file("weshopd.db"));
  EXPECT_EQ(r.values.store.synchronous, sqlite_synchronous::full);
  EXPECT_EQ(r.values.limits.max_body, 16u * 1024 * 1024);
  EXPECT_EQ(r.values.limits.max_header, 16u * 1024);
  EXPECT_FALSE(r.values.upstream.test_origin);
  EXPECT_TRUE(r.values.uploads.roots.empty());

  const auto none = load({});
  EXPECT_EQ(error_keys(none), std::vector<std::string>{"store.path"});
}

TEST_F(Config, TheDocumentedExampleLoads)
{
  const auto r = load({.file = std::string(WESHOPD_SOURCE_DIR) + "/config/weshopd.conf", .environment = env_});
  ASSERT_TRUE(r) << r.errors[0].to_string();
  EXPECT_EQ(r.values.api.listen.port, 8787);
}

TEST_F(Config, FileThenEnvironmentThenFlags)
{
  std::filesystem::create_directories(dir_.file("images"));
  const auto file = write("a.conf", R"(
[api]
listen = "127.0.0.1:9000"
[store]
path = "/from/file.db"
synchronous = "normal"
[uploads]
roots = [")" + dir_.file("images") + R"("]
[limits]
max_body = 2048
)");
  env_["WESHOPD_STORE_PATH"] = "/from/env.db";
  env_["WESHOPD_LIMITS_MAX_BODY"] = "4MiB";
  const auto r = load({.file = file, .environment = env_, .overrides = {"store.path=/from/flag.db"}});
  ASSERT_TRUE(r) << r.errors[0].to_string();
  EXPECT_EQ(r.values.api.listen.port, 9000);     // file
  EXPECT_EQ(r.values.store.synchronous, sqlite_synchronous::normal); // file
  EXPECT_EQ(r.values.limits.max_body, 4u * 1024 * 1024); // env beats file
  EXPECT_EQ(r.values.store.path, "/from/flag.db"); // flag beats env
  EXPECT_EQ(r.values.uploads.roots, std::vector<std::string>{std::filesystem::canonical(dir_.file("images")).string()});
}

TEST_F(Config, EveryKeyHasItsEnvironmentOverride)
{
  for (const auto& key : known_keys()) {
    std::string env = "WESHOPD_";
    for (char c : key)
      env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto e = env_;
    e[env] = "!!bad value!!";
    const auto r = load({.environment = e});
    // Keys that take any text may accept it; the others must name the key.
    const auto keys = error_keys(r);
    EXPECT_TRUE(keys.empty() || std::find(keys.begin(), keys.end(), key) != keys.end()) << env;
  }
  // 51 + jobs.retention_days + log.level + upstream.max_running_runs, upstream.max_requests_per_second,
  // scheduler.enabled, scheduler.weights
  EXPECT_EQ(known_keys().size(), 58u);
}

TEST_F(Config, BadValuesAreNamedByKey)
{
  const auto file = write("bad.conf", R"(
[api]
listen = "localhost"
[store]
synchronous = "sometimes"
[limits]
max_body = -1
max_header = "big"
[uploads]
roots = "/tmp"
[stroe]
path = "/typo.db"
)");
  const auto r = load({.file = file, .environment = env_});
  auto keys = error_keys(r);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"api.listen", "limits.max_body", "limits.max_header", "store.synchronous",
                                            "stroe.path", "uploads.roots"}));
}

TEST_F(Config, BrokenCombinationsAreRefused)
{
  env_["WESHOPD_UPSTREAM_TEST_ORIGIN"] = "http://127.0.0.1:9443";
  env_["WESHOPD_UPSTREAM_CA_FILE"] = dir_.file("missing.pem");
  env_["WESHOPD_UPLOADS_ROOTS"] = "relative/dir:/nonexistent-dir";
  env_["WESHOPD_CALLBACKS_PUBLIC_BASE_URL"] = "http://shop.example.com";
  env_["WESHOPD_LIMITS_MAX_HEADER"] = "100";
  auto keys = error_keys(load({.environment = env_}));
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"callbacks.listen", "callbacks.public_base_url", "limits.max_header",
                                            "uploads.roots", "uploads.roots", "upstream.ca_file",
                                            "upstream.test_origin"}));

  auto same = env_;
  same = {{"STATE_DIRECTORY", dir_.path().string()}, {"WESHOPD_CALLBACKS_LISTEN", "127.0.0.1:8787"}};
  EXPECT_EQ(error_keys(load({.environment = same})), std::vector<std::string>{"callbacks.listen"});
}

TEST_F(Config, CallbackSettings)
{
  const std::string ca = write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  env_["WESHOPD_CALLBACKS_LISTEN"] = "127.0.0.1:9001";
  env_["WESHOPD_CALLBACKS_PUBLIC_BASE_URL"] = "https://hooks.shop.example/weshopd";
  env_["WESHOPD_CALLBACKS_TRUSTED_PROXIES"] = "127.0.0.1:10.0.0.2";
  const auto ok = load({.environment = env_});
  ASSERT_TRUE(ok) << ok.errors[0].to_string();
  EXPECT_EQ(ok.values.callbacks.safety_poll_seconds, 300u);
  EXPECT_EQ(ok.values.callbacks.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.2"}));

  // Plain http only to loopback, and only in test mode (a simulator on this machine).
  env_["WESHOPD_CALLBACKS_PUBLIC_BASE_URL"] = "http://127.0.0.1:9001";
  EXPECT_EQ(error_keys(load({.environment = env_})), std::vector<std::string>{"callbacks.public_base_url"});
  env_["WESHOPD_UPSTREAM_TEST_ORIGIN"] = "https://127.0.0.1:9443";
  env_["WESHOPD_UPSTREAM_CA_FILE"] = ca;
  EXPECT_TRUE(load({.environment = env_}));
  env_["WESHOPD_CALLBACKS_PUBLIC_BASE_URL"] = "http://hooks.shop.example";
  EXPECT_EQ(error_keys(load({.environment = env_})), std::vector<std::string>{"callbacks.public_base_url"});

  env_["WESHOPD_CALLBACKS_PUBLIC_BASE_URL"] = "https://hooks.shop.example";
  env_["WESHOPD_CALLBACKS_TRUSTED_PROXIES"] = "10.0.0.1:proxy.local";
  EXPECT_EQ(error_keys(load({.environment = env_})), std::vector<std::string>{"callbacks.trusted_proxies"});
}

TEST_F(Config, OutboundAllowTakesNetworks)
{
  EXPECT_TRUE(load({.environment = env_}).values.outbound.allow.empty()); // public addresses only
  env_["WESHOPD_OUTBOUND_ALLOW"] = "127.0.0.1/32,::1/128,10.0.0.0/8"; // commas: IPv6 has colons
  const auto ok = load({.environment = env_});
  ASSERT_TRUE(ok) << ok.errors[0].to_string();
  EXPECT_EQ(texts(ok.values.outbound.allow), (std::vector<std::string>{"127.0.0.1/32", "::1/128", "10.0.0.0/8"}));

  for (const auto* bad : {"127.0.0.1/33", "10.1.2.3/8", "localhost", "fd00::/200"}) {
    env_["WESHOPD_OUTBOUND_ALLOW"] = std::string("127.0.0.1/32,") + bad;
    const auto r = load({.environment = env_});
    ASSERT_EQ(error_keys(r), std::vector<std::string>{"outbound.allow"}) << bad;
    EXPECT_NE(r.errors[0].message.find(bad), std::string::npos) << r.errors[0].message;
  }
  env_.erase("WESHOPD_OUTBOUND_ALLOW");

  const auto file = write("outbound.conf", "[outbound]\nallow = [\"192.168.0.0/16\", \"fd00::/8\"]\n");
  const auto from_file = load({.file = file, .environment = env_});
  ASSERT_TRUE(from_file) << from_file.errors[0].to_string();
  EXPECT_EQ(texts(from_file.values.outbound.allow), (std::vector<std::string>{"192.168.0.0/16", "fd00::/8"}));
  const auto not_list = write("outbound-bad.conf", "[outbound]\nallow = \"10.0.0.0/8\"\n");
  EXPECT_EQ(error_keys(load({.file = not_list, .environment = env_})), std::vector<std::string>{"outbound.allow"});
}

TEST_F(Config, MalformedTomlSaysWhere)
{
  const auto r = load({.file = write("broken.conf", "[api\nlisten = 1\n"), .environment = env_});
  ASSERT_FALSE(r);
  EXPECT_NE(r.errors[0].message.find("broken.conf:1:"), std::string::npos) << r.errors[0].message;
}

TEST_F(Config, ApiKeySources)
{
  EXPECT_EQ(find_api_key({{"WESHOP_API_KEY", " k1\n"}}).key, "k1");

  std::filesystem::create_directories(dir_.file("creds"));
  write("creds/weshop_api_key", "k2\n");
  EXPECT_EQ(find_api_key({{"CREDENTIALS_DIRECTORY", dir_.file("creds")}}).key, "k2");

  const auto home = dir_.file("home");
  std::filesystem::create_directories(home + "/.config/weshop");
  const auto json = home + "/.config/weshop/credentials.json";
  std::ofstream(json) << R"({"api_key": "k3"})";
  std::filesystem::permissions(json, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto ok = find_api_key({{"HOME", home}});
  EXPECT_EQ(ok.key, "k3");
  EXPECT_EQ(ok.source, json);

  std::filesystem::permissions(json, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  const auto loose = find_api_key({{"HOME", home}});
  EXPECT_FALSE(loose.key);
  EXPECT_NE(loose.problem.find("chmod 600"), std::string::npos);
  EXPECT_EQ(loose.problem.find("k3"), std::string::npos); // never echo the key

  EXPECT_FALSE(find_api_key({}).key);
}

TEST_F(Config, ChoicesAndAmountsComeTyped)
{
  env_["WESHOPD_NOTIFY_EVENTS"] = "all";
  env_["WESHOPD_BUDGET_POLICY"] = "hold";
  env_["WESHOPD_BUDGET_DAILY"] = "12.5";
  env_["WESHOPD_BUDGET_PRICES"] = "aipose=0.5:aipose/pro=2";
  env_["WESHOPD_BUDGET_PER_TOKEN"] = "shop-a=3";
  const auto r = load({.environment = env_});
  ASSERT_TRUE(r) << r.errors[0].to_string();
  EXPECT_EQ(r.values.store.backend, store_backend::sqlite);
  EXPECT_EQ(r.values.notify.events, notify_events::all);
  EXPECT_EQ(r.values.budget.policy, budget::over_budget::hold);
  EXPECT_EQ(r.values.budget.daily, 12'500'000);
  EXPECT_EQ(r.values.budget.prices, (std::map<std::string, budget::micros>{{"aipose", 500'000}, {"aipose/pro", 2'000'000}}));
  EXPECT_EQ(r.values.budget.per_token, (std::map<std::string, budget::micros>{{"shop-a", 3'000'000}}));
  EXPECT_TRUE(r.values.budget.per_agent.empty());

  // The message each choice gives, and a bad amount named by its key.
  env_["WESHOPD_STORE_BACKEND"] = "mysql";
  env_["WESHOPD_BUDGET_POLICY"] = "maybe";
  env_["WESHOPD_BUDGET_PER_AGENT"] = "aipose=lots";
  const auto bad = load({.environment = env_});
  std::map<std::string, std::string> messages;
  for (const auto& e : bad.errors)
    messages[e.key] = e.message;
  EXPECT_EQ(messages["store.backend"], "must be sqlite or postgres");
  EXPECT_EQ(messages["budget.policy"], "must be reject or hold");
  EXPECT_EQ(messages["budget.per_agent"], "aipose=lots is not name=amount (a number with at most 6 decimals)");
  env_.erase("WESHOPD_STORE_BACKEND");
  env_.erase("WESHOPD_BUDGET_POLICY");
  env_.erase("WESHOPD_BUDGET_PER_AGENT");
  env_["WESHOPD_STORE_SYNCHRONOUS"] = "sometimes";
  EXPECT_EQ(load({.environment = env_}).errors.at(0).message, "must be off, normal, full or extra");
}

TEST_F(Config, SecretFilesAreReadOnce)
{
  const auto tokens = write("tokens", "# comment\n\nshop-a aaaaaaaaaaaaaaaa\nops bbbbbbbbbbbbbbbb admin\ncccccccccccccccc\n");
  const auto secret = write("secret", "whsec_" + std::string("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") + "\n");
  const auto password = write("password", "hunter2  \n");
  env_["WESHOPD_API_TOKEN_FILE"] = tokens;
  env_["WESHOPD_NOTIFY_SECRET_FILE"] = secret;
  env_["WESHOPD_STORE_PASSWORD_FILE"] = password;
  const auto cfg = load({.environment = env_});
  ASSERT_TRUE(cfg) << cfg.errors[0].to_string();
  const auto r = read_secrets(cfg.values);
  ASSERT_TRUE(r) << r.key << ": " << r.problem;
  ASSERT_EQ(r.values.api_tokens.size(), 3u);
  EXPECT_EQ(r.values.api_tokens[0].name, "shop-a");
  EXPECT_FALSE(r.values.api_tokens[0].admin);
  EXPECT_TRUE(r.values.api_tokens[1].admin);
  EXPECT_EQ(r.values.api_tokens[2].name, "default");
  EXPECT_EQ(r.values.api_tokens[2].secret, "cccccccccccccccc");
  EXPECT_TRUE(r.values.notify_key);
  EXPECT_EQ(r.values.store_password, "hunter2");

  // Without files: nothing to read, nothing refused.
  const auto none = read_secrets(load({.environment = {{"STATE_DIRECTORY", dir_.path().string()}}}).values);
  EXPECT_TRUE(none);
  EXPECT_TRUE(none.values.api_tokens.empty());
  EXPECT_FALSE(none.values.notify_key);
}

TEST_F(Config, BadSecretFilesAreRefusedByKey)
{
  auto s = load({.environment = env_}).values;
  s.api.token_file = write("short", "name short-token\n");
  auto r = read_secrets(s);
  EXPECT_EQ(r.key, "api.token_file");
  EXPECT_EQ(r.problem, "each line must be a token of at least 16 characters, or a name and such a token");
  EXPECT_EQ(r.problem.find("short-token"), std::string::npos); // never echo a secret
  s.api.token_file = write("empty", "# none yet\n");
  EXPECT_EQ(read_secrets(s).problem, "holds no token");
  s.api.token_file = write("role", "name aaaaaaaaaaaaaaaa root\n");
  EXPECT_EQ(read_secrets(s).key, "api.token_file");

  s.api.token_file.reset();
  s.notify.secret_file = write("weak", "short\n");
  r = read_secrets(s);
  EXPECT_EQ(r.key, "notify.secret_file");
  EXPECT_EQ(r.problem, "needs whsec_<base64> or at least 16 bytes of secret");
}

TEST_F(Config, JobRetentionDefaultsTo90DaysAndTheEnvironmentOverridesIt)
{
  EXPECT_EQ(load({.environment = env_}).values.jobs.retention_days, 90u);
  const auto file = write("retention.conf", "[jobs]\nretention_days = 30\n");
  EXPECT_EQ(load({.file = file, .environment = env_}).values.jobs.retention_days, 30u);
  auto env = env_;
  env["WESHOPD_JOBS_RETENTION_DAYS"] = "7";
  const auto r = load({.file = file, .environment = env});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.values.jobs.retention_days, 7u);
  env["WESHOPD_JOBS_RETENTION_DAYS"] = "0"; // keep everything
  EXPECT_EQ(load({.environment = env}).values.jobs.retention_days, 0u);
}

TEST_F(Config, ANegativeJobRetentionIsRefusedClearly)
{
  auto env = env_;
  env["WESHOPD_JOBS_RETENTION_DAYS"] = "-1";
  const auto r = load({.environment = env});
  ASSERT_EQ(error_keys(r), std::vector<std::string>{"jobs.retention_days"});
  EXPECT_NE(r.errors.front().message.find("0 or more"), std::string::npos) << r.errors.front().message;
  const auto file = write("negative.conf", "[jobs]\nretention_days = -5\n");
  EXPECT_EQ(error_keys(load({.file = file, .environment = env_})), std::vector<std::string>{"jobs.retention_days"});
}

// #23: the account's limits (0: learnt), the switch, and weights checked by key.
TEST_F(Config, SchedulerSettings)
{
  const auto defaults = load({.environment = env_}).values;
  EXPECT_EQ(defaults.upstream.max_running_runs, 0u);
  EXPECT_EQ(defaults.upstream.max_requests_per_second, 0u);
  EXPECT_TRUE(defaults.scheduler.enabled);
  EXPECT_TRUE(defaults.scheduler.weights.empty());
  const auto file = write("sched.conf", "[upstream]\nmax_running_runs = 16\nmax_requests_per_second = 20\n"
                                        "[scheduler]\nenabled = false\nweights = [\"shop-a=3\", \"shop-b=1\"]\n");
  const auto r = load({.file = file, .environment = env_});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.values.upstream.max_running_runs, 16u);
  EXPECT_EQ(r.values.upstream.max_requests_per_second, 20u);
  EXPECT_FALSE(r.values.scheduler.enabled);
  EXPECT_EQ(r.values.scheduler.weights, (std::vector<std::string>{"shop-a=3", "shop-b=1"}));
  for (const std::string bad : {"shop-a", "shop-a=0", "=3", "shop-a=1001", "shop-a=x", "shop-a=99999"}) {
    const auto f = write("bad-weights.conf", "[scheduler]\nweights = [\"" + bad + "\"]\n");
    EXPECT_EQ(error_keys(load({.file = f, .environment = env_})), std::vector<std::string>{"scheduler.weights"}) << bad;
  }
}
