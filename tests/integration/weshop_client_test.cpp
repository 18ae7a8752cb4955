// WeShopClient and the HTTPS client against a real weshop-sim process on
// loopback: the four calls, pooling, deadlines, redirects, TLS refusals,
// maybe-sent classification, bad responses, and the key staying home.

#include "common/run_sync.hpp"
#include "common/sim_process.hpp"
#include "common/test_key.hpp"
#include "test_pki.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

using namespace weshopd;
using namespace weshopd::upstream;
namespace json = boost::json;

namespace {

const std::string key = test::test_api_key();

class WeShopClient : public ::testing::Test {
protected:
  test::temp_dir dir_;
  test::sim_pki pki_ = test::make_sim_pki(dir_);
  test::sim_process sim_{pki_.cert, pki_.key, pki_.ca,
                         {"--pending-ms", "30", "--segmenting-ms", "30", "--running-ms", "30", "--seed", "7"}};
  boost::asio::io_context io_;
  std::vector<std::string> log_; // every line the HTTP client logged, across the test

  ~WeShopClient() override
  {
    for (const auto& line : log_)
      EXPECT_EQ(line.find(key), std::string::npos) << "the key reached a log line: " << line;
    EXPECT_EQ(sim_.stats().at("key_leaks"), 0) << "the key reached a non-API host or path";
  }

  weshop_client make_client(std::string origin, std::string api_key = key, http::client_options http = {})
  {
    http.log = [this](std::string_view line) { log_.emplace_back(line); };
    return weshop_client(io_.get_executor(), upstream::api_key(std::move(api_key)),
                         {.test_origin = std::move(origin), .ca_file = pki_.ca, .http = std::move(http)});
  }

  template <class T>
  T run(boost::asio::awaitable<T> task)
  {
    return test::run_sync(io_, std::move(task));
  }

  static std::string png_bytes() { return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100000, 'p'); }

  outcome<weshop::run> wait_for_terminal(weshop_client& c, const std::string& id)
  {
    for (int i = 0; i < 200; ++i) {
      auto r = run(c.get_run(id));
      if (!r || weshop::is_terminal(r->state))
        return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "run " << id << " never finished";
    return run(c.get_run(id));
  }

  void expect_error(const upstream_error& e, error_kind kind, bool maybe_sent)
  {
    EXPECT_EQ(e.kind, kind) << e.message;
    EXPECT_EQ(e.maybe_sent, maybe_sent) << e.message;
    EXPECT_EQ(e.message.find(key), std::string::npos);
  }
};

} // namespace

TEST_F(WeShopClient, TheFourCallsSucceed)
{
  auto c = make_client(sim_.endpoints().api);
  const auto image = run(c.upload_image(png_bytes(), "shirt.png"));
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_TRUE(image->starts_with(sim_.endpoints().images + "/uploads/")) << *image;

  const auto started = run(c.start_run("aipose", "v1.0", {{"originalImage", *image}, {"taskName", "four-calls"}},
                                       {{"textDescription", "arms crossed"}, {"batchCount", 3}}, std::nullopt));
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_FALSE(started->execution_id.empty());

  const auto first = run(c.get_run(started->execution_id));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(weshop::is_terminal(first->state));
  EXPECT_EQ(first->agent_name, "aipose");

  const auto done = wait_for_terminal(c, started->execution_id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, weshop::run_state::success);
  ASSERT_EQ(done->results.size(), 3u);
  EXPECT_TRUE(done->results[0].image.starts_with(sim_.endpoints().images + "/results/"));

  const auto info = run(c.agent_info("aimodel", "v1.0"));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_FALSE(info->at("locations").as_array().empty());

  const auto stats = sim_.stats();
  EXPECT_EQ(stats.at("uploads"), 1);
  EXPECT_EQ(stats.at("runs_created"), 1);
  EXPECT_EQ(stats.at("runs_by_task").at("four-calls"), 1);
}

TEST_F(WeShopClient, AFailedRunAndAnUnknownStatusAreReadAsSuch)
{
  auto c = make_client(sim_.endpoints().api);
  const auto started = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}, {"taskName", "sim:fail"}},
                                       {{"textDescription", "x"}}, std::nullopt));
  ASSERT_TRUE(started);
  EXPECT_EQ(wait_for_terminal(c, started->execution_id)->state, weshop::run_state::failed);

  sim_.set_faults(R"([{"endpoint":"run","kind":"unknown_status","count":1}])");
  const auto odd = run(c.get_run(started->execution_id));
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, "Upscaling");
  EXPECT_EQ(odd->state, weshop::run_state::unknown);
}

TEST_F(WeShopClient, KeepAliveReuseMeansAlmostNoHandshakes)
{
  auto c = make_client(sim_.endpoints().api);
  const auto started = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                       {{"textDescription", "x"}}, std::nullopt));
  ASSERT_TRUE(started);
  sim_.reset();
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(run(c.get_run(started->execution_id))) << i;
  EXPECT_LE(sim_.stats().at("tls_handshakes").to_number<int>(), 2);
  EXPECT_LE(c.http_stats().tls_handshakes, 2u);
  EXPECT_EQ(sim_.stats().at("requests").at("run"), 1000);
}

TEST_F(WeShopClient, BadValuesAndBadKeysAreApiErrors)
{
  auto c = make_client(sim_.endpoints().api);
  const auto bad = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}}, {{"batchCount", 99}},
                                   std::nullopt));
  ASSERT_FALSE(bad);
  expect_error(bad.error(), error_kind::api, true);
  EXPECT_EQ(bad.error().api.code, "INVALID_PARAMS");
  EXPECT_EQ(bad.error().http_status, 400u);

  auto wrong = make_client(sim_.endpoints().api, "not-the-key");
  const auto denied = run(wrong.get_run("whatever"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().api.code, "UNAUTHORIZED");
  EXPECT_EQ(sim_.stats().at("auth_failures"), 1);

  const auto refused = run(c.upload_image("hello", "notes.txt"));
  ASSERT_FALSE(refused);
  expect_error(refused.error(), error_kind::local, false);
  EXPECT_EQ(sim_.stats().at("requests").as_object().count("upload"), 0u);
}

TEST_F(WeShopClient, RateLimitsAndServerErrorsCarryRetryAfter)
{
  auto c = make_client(sim_.endpoints().api);
  sim_.set_faults(R"([{"endpoint":"runs","kind":"status","status":429,"retry_after":7,"count":1},
                      {"endpoint":"runs","kind":"status","status":502,"html":true,"count":1},
                      {"endpoint":"runs","kind":"api_error","code":"BUSY","retryable":true,"status":503,"count":1}])");
  const auto start = [&] {
    return run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}}, {{"textDescription", "x"}},
                           std::nullopt));
  };
  const auto limited = start();
  ASSERT_FALSE(limited);
  expect_error(limited.error(), error_kind::api, true);
  EXPECT_EQ(limited.error().http_status, 429u);
  EXPECT_EQ(limited.error().retry_after, std::chrono::seconds(7));

  const auto gateway = start();
  ASSERT_FALSE(gateway);
  expect_error(gateway.error(), error_kind::http_status, true);
  EXPECT_EQ(gateway.error().http_status, 502u);

  const auto busy = start();
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().api.code, "BUSY");
  EXPECT_TRUE(busy.error().api.retryable);
  EXPECT_TRUE(start()); // faults used up
  EXPECT_EQ(sim_.stats().at("runs_created"), 1);
}

TEST_F(WeShopClient, AStalledServerMeetsTheDeadline)
{
  auto c = make_client(sim_.endpoints().api, key, {.read_timeout = std::chrono::milliseconds(300)});
  sim_.set_faults(R"([{"endpoint":"run","kind":"stall","count":1}])");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run(c.get_run("anything"));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  expect_error(r.error(), error_kind::transport, true);
  EXPECT_EQ(r.error().transport, http::failure_kind::timeout);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(WeShopClient, ASlowDripMeetsTheTotalDeadline)
{
  auto c = make_client(sim_.endpoints().api, key, {.total_timeout = std::chrono::milliseconds(400)});
  sim_.set_faults(R"([{"endpoint":"info","kind":"drip","ms":50,"count":1}])");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run(c.agent_info("aimodel", "v1.0"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().transport, http::failure_kind::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(WeShopClient, ACallerCanCancel)
{
  using namespace boost::asio::experimental::awaitable_operators;
  auto c = make_client(sim_.endpoints().api);
  sim_.set_faults(R"([{"endpoint":"run","kind":"stall","count":1}])");
  const auto t0 = std::chrono::steady_clock::now();
  auto raced = run([&]() -> boost::asio::awaitable<bool> {
    boost::asio::steady_timer timer(io_, std::chrono::milliseconds(200));
    auto r = co_await (c.get_run("x") || timer.async_wait(boost::asio::use_awaitable));
    co_return r.index() == 1;
  }());
  EXPECT_TRUE(raced);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(WeShopClient, RedirectsAreNotFollowedAndTheKeyStaysHome)
{
  auto c = make_client(sim_.endpoints().api);
  sim_.set_faults(R"([{"endpoint":"run","kind":"redirect","count":1}])");
  const auto r = run(c.get_run("x"));
  ASSERT_FALSE(r);
  expect_error(r.error(), error_kind::http_status, true);
  EXPECT_EQ(r.error().http_status, 302u);
  EXPECT_EQ(sim_.stats().at("requests").as_object().count("images"), 0u); // never went there
}

TEST_F(WeShopClient, MaybeSentTellsResetBeforeFromResetAfterTheRequestWasRead)
{
  auto c = make_client(sim_.endpoints().api);
  sim_.set_faults(R"([{"kind":"reset_before_read","count":1}])");
  const auto before = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                      {{"textDescription", "x"}}, std::nullopt));
  ASSERT_FALSE(before);
  expect_error(before.error(), error_kind::transport, false);
  EXPECT_EQ(sim_.stats().at("runs_created"), 0);

  sim_.set_faults(R"([{"endpoint":"runs","kind":"reset_after_read","count":1}])");
  const auto after = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                     {{"textDescription", "x"}}, std::nullopt));
  ASSERT_FALSE(after);
  expect_error(after.error(), error_kind::transport, true);
  EXPECT_EQ(sim_.stats().at("runs_created"), 1); // it was billed: the caller must not retry blindly
}

TEST_F(WeShopClient, TruncatedMalformedAndOversizedResponsesAreErrors)
{
  auto c = make_client(sim_.endpoints().api, key, {.max_body = 1024}); // 16 results are ~1.6 KiB
  const auto started = run(c.start_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}},
                                       {{"textDescription", "x"}, {"batchCount", 16}}, std::nullopt));
  ASSERT_TRUE(started);
  wait_for_terminal(c, started->execution_id); // may itself be too large; only waits
  const auto big = run(c.get_run(started->execution_id));
  ASSERT_FALSE(big);
  expect_error(big.error(), error_kind::transport, true);
  EXPECT_EQ(big.error().transport, http::failure_kind::too_large);

  sim_.set_faults(R"([{"endpoint":"info","kind":"truncate","count":1},{"endpoint":"info","kind":"malformed","count":1}])");
  const auto truncated = run(c.agent_info("aimodel", "v1.0"));
  ASSERT_FALSE(truncated);
  expect_error(truncated.error(), error_kind::transport, true);
  EXPECT_EQ(truncated.error().transport, http::failure_kind::read);
  const auto malformed = run(c.agent_info("aimodel", "v1.0"));
  ASSERT_FALSE(malformed);
  expect_error(malformed.error(), error_kind::parse, true);
  EXPECT_TRUE(run(c.agent_info("aimodel", "v1.0")));
}

TEST_F(WeShopClient, TheTestOriginMustBeHttpsWithACaFile)
{
  EXPECT_THROW(make_client(sim_.endpoints().plain), std::invalid_argument);
  EXPECT_THROW(weshop_client(io_.get_executor(), api_key(key), {.test_origin = sim_.endpoints().api}),
               std::invalid_argument);
  // Without test mode the only origin is the real one.
  weshop_client real(io_.get_executor(), api_key(key));
  EXPECT_EQ(real.api_origin(), "https://openapi.weshop.ai");
}

TEST_F(WeShopClient, PlainHttpBehindAnHttpsOriginIsATlsFailure)
{
  const auto plain_port = sim_.endpoints().plain.substr(sim_.endpoints().plain.rfind(':'));
  auto c = make_client("https://127.0.0.1" + plain_port);
  const auto r = run(c.get_run("x"));
  ASSERT_FALSE(r);
  expect_error(r.error(), error_kind::transport, false);
  EXPECT_EQ(r.error().transport, http::failure_kind::tls);
}

// Servers with bad certificates: each must be refused before a byte is sent.
class BadCertificates : public ::testing::Test {
protected:
  test::temp_dir dir_;
  weshop_sim::test_ca trusted_{"trusted CA"};
  boost::asio::io_context io_;

  void expect_refused(const weshop_sim::server_cert_spec& spec, const weshop_sim::test_ca& issuer, std::string_view why)
  {
    trusted_.write_cert(dir_.file("trusted.pem"));
    issuer.issue(spec, dir_.file("bad.pem"), dir_.file("bad.key"));
    test::sim_process sim(dir_.file("bad.pem"), dir_.file("bad.key"), dir_.file("trusted.pem"));
    weshop_client c(io_.get_executor(), api_key(key), {.test_origin = sim.endpoints().api, .ca_file = dir_.file("trusted.pem")});
    const auto r = test::run_sync(io_, c.get_run("x"));
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().transport, http::failure_kind::tls) << why << ": " << r.error().message;
    EXPECT_FALSE(r.error().maybe_sent) << why;
    EXPECT_EQ(sim.stats().at("requests").as_object().count("run"), 0u) << why;
  }
};

TEST_F(BadCertificates, WrongHostName)
{
  expect_refused({.dns = {"other.test"}, .ips = {}}, trusted_, "wrong host name");
}

TEST_F(BadCertificates, Expired)
{
  expect_refused({.not_before = std::chrono::hours(-48), .not_after = std::chrono::hours(-24)}, trusted_, "expired");
}

TEST_F(BadCertificates, UntrustedCa)
{
  weshop_sim::test_ca stranger("some other CA");
  expect_refused({}, stranger, "untrusted CA");
}

TEST_F(WeShopClient, IdleConnectionsExpire)
{
  auto c = make_client(sim_.endpoints().api, key, {.idle_expiry = std::chrono::milliseconds(100)});
  ASSERT_TRUE(run(c.agent_info("aimodel", "v1.0")));
  ASSERT_TRUE(run(c.agent_info("aimodel", "v1.0")));
  EXPECT_EQ(c.http_stats().tls_handshakes, 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  ASSERT_TRUE(run(c.agent_info("aimodel", "v1.0")));
  EXPECT_EQ(c.http_stats().tls_handshakes, 2u);
}

TEST_F(WeShopClient, RequestsPerOriginAreCapped)
{
  // 6 concurrent requests, each held 150 ms by the sim, through at most 2
  // connections: at least 3 rounds, and never a third connection.
  auto c = make_client(sim_.endpoints().api, key, {.max_per_origin = 2});
  sim_.set_faults(R"([{"endpoint":"info","kind":"latency","ms":150}])");
  int ok = 0;
  auto one = [&]() -> boost::asio::awaitable<void> {
    if (co_await c.agent_info("aimodel", "v1.0"))
      ++ok;
  };
  const auto t0 = std::chrono::steady_clock::now();
  run([&]() -> boost::asio::awaitable<int> {
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (one() && one() && one() && one() && one() && one());
    co_return 0;
  }());
  EXPECT_EQ(ok, 6);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(3 * 150));
  EXPECT_LE(c.http_stats().connections_opened, 2u);
}
