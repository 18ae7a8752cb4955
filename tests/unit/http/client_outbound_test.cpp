// The HTTP client with an address policy, against real servers on loopback:
// refused addresses are never connected to (IP literals and names alike),
// allowed networks are, and an origin's pool goes once nothing uses it.

#include "common/run_sync.hpp"
#include "http/client.hpp"
#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace weshopd;
namespace asio = boost::asio;
using test::run_sync;

namespace {

// A server on `host` that counts the requests it got.
class counting_server {
public:
  explicit counting_server(const std::string& host)
  {
    http::server_options o;
    o.host = host;
    server_ = std::make_unique<http::server>(io_.get_executor(), o, [this](http::incoming&) -> asio::awaitable<http::outgoing> {
      ++requests;
      co_return http::outgoing{200, "text/plain", {}, "ok"};
    });
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~counting_server()
  {
    server_->stop();
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }

  std::atomic<int> requests = 0;

private:
  asio::io_context io_;
  std::unique_ptr<http::server> server_;
  std::thread thread_;
};

class ClientOutbound : public ::testing::Test {
protected:
  asio::io_context io_;

  http::fetch_result get(http::client& c, const std::string& url)
  {
    http::request req;
    req.url = url;
    return run_sync(io_, c.fetch(std::move(req)));
  }

  http::client_options with(std::vector<std::string> allowed)
  {
    http::client_options o;
    o.addresses = http::address_policy::from_strings(allowed);
    o.total_timeout = std::chrono::seconds(10);
    return o;
  }
};

} // namespace

TEST_F(ClientOutbound, LoopbackIsRefusedBeforeAnyByteIsSent)
{
  counting_server v4("127.0.0.1");
  counting_server v6("::1");
  http::client c(io_.get_executor(), with({}));
  const auto port4 = std::to_string(v4.port());
  const auto port6 = std::to_string(v6.port());
  for (const auto& url : {"http://127.0.0.1:" + port4 + "/", "http://localhost:" + port4 + "/",
                          "http://[::ffff:127.0.0.1]:" + port4 + "/", "http://[::1]:" + port6 + "/",
                          "http://169.254.169.254:" + port4 + "/", "http://10.0.0.1:" + port4 + "/",
                          "http://0.0.0.0:" + port4 + "/"}) {
    const auto r = get(c, url);
    EXPECT_EQ(r.failure, http::failure_kind::address_not_allowed) << url << ": " << r.message;
    EXPECT_FALSE(r.maybe_sent) << url;
  }
  EXPECT_EQ(v4.requests, 0);
  EXPECT_EQ(v6.requests, 0);
  EXPECT_EQ(c.stats().connections_opened, 0u);
}

TEST_F(ClientOutbound, AllowedNetworksAreReached)
{
  counting_server v4("127.0.0.1");
  counting_server v6("::1");
  http::client c(io_.get_executor(), with({"127.0.0.1/32", "::1/128"}));
  EXPECT_EQ(get(c, "http://127.0.0.1:" + std::to_string(v4.port()) + "/").resp.status, 200u);
  EXPECT_EQ(get(c, "http://[::1]:" + std::to_string(v6.port()) + "/").resp.status, 200u);
  EXPECT_EQ(v4.requests, 1);
  EXPECT_EQ(v6.requests, 1);

  // Only the allowed family: ::1 allowed does not open 127.0.0.1.
  http::client only_v6(io_.get_executor(), with({"::1/128"}));
  EXPECT_EQ(get(only_v6, "http://127.0.0.1:" + std::to_string(v4.port()) + "/").failure,
            http::failure_kind::address_not_allowed);
  EXPECT_EQ(v4.requests, 1);
}

TEST_F(ClientOutbound, WithoutAPolicyAnyAddressIsReached)
{
  counting_server v4("127.0.0.1");
  http::client c(io_.get_executor(), {});
  EXPECT_EQ(get(c, "http://127.0.0.1:" + std::to_string(v4.port()) + "/").resp.status, 200u);
}

TEST_F(ClientOutbound, OriginPoolsGoAwayWhenUnused)
{
  counting_server v4("127.0.0.1");
  auto options = with({"127.0.0.1/32"});
  options.idle_expiry = std::chrono::milliseconds(200);
  http::client c(io_.get_executor(), options);

  // Refused or failed origins leave nothing behind.
  for (int i = 0; i < 50; ++i)
    EXPECT_FALSE(get(c, "http://10.0.0." + std::to_string(i + 1) + "/"));
  EXPECT_EQ(c.stats().origins, 0u);
  const auto closed_port = [] { // a port nobody listens on
    counting_server gone("127.0.0.1");
    return gone.port();
  }();
  EXPECT_EQ(get(c, "http://127.0.0.1:" + std::to_string(closed_port) + "/").failure, http::failure_kind::connect);
  EXPECT_EQ(c.stats().origins, 0u);

  // A kept-alive connection keeps its origin until it expires.
  const auto url = "http://127.0.0.1:" + std::to_string(v4.port()) + "/";
  ASSERT_EQ(get(c, url).resp.status, 200u);
  EXPECT_EQ(c.stats().origins, 1u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (c.stats().origins != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(c.stats().origins, 0u);

  ASSERT_EQ(get(c, url).resp.status, 200u);
  EXPECT_EQ(c.stats().origins, 1u);
  c.close_idle();
  EXPECT_EQ(c.stats().origins, 0u);
}
