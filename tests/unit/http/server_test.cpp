// The HTTP server on a real loopback socket, driven by raw bytes: limits,
// malformed requests, keep-alive, idle deadlines, the connection cap.

#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace weshopd;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Server : public ::testing::Test {
protected:
  asio::io_context io_;
  std::unique_ptr<http::server> server_;
  std::thread thread_;

  void start(http::server_options options = {})
  {
    const http::server_options defaults;
    if (options.idle_timeout == defaults.idle_timeout)
      options.idle_timeout = std::chrono::milliseconds(400);
    if (options.read_timeout == defaults.read_timeout)
      options.read_timeout = std::chrono::milliseconds(400);
    options.make_error = [](unsigned status, std::string_view code, std::string_view) {
      return http::outgoing{status, "application/json", {}, R"({"error":{"code":")" + std::string(code) + "\"}}"};
    };
    server_ = std::make_unique<http::server>(
      io_.get_executor(), options, [](http::incoming& in) -> asio::awaitable<http::outgoing> {
        if (in.path == "/boom")
          throw std::runtime_error("handler bug");
        if (in.path == "/slow") { // busy for a while
          asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(500));
          co_await t.async_wait(asio::use_awaitable);
        }
        http::outgoing out;
        out.body = in.method + " " + in.path + " q=" + (in.query.count("q") ? in.query.at("q") : "") +
                   " body=" + std::to_string(in.body.size());
        co_return out;
      });
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Server() override
  {
    if (server_)
      server_->stop();
    io_.stop();
    if (thread_.joinable())
      thread_.join();
  }

  tcp::socket connect()
  {
    tcp::socket s(io_client_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return s;
  }

  // Sends raw bytes and reads one response (or reports the connection closed).
  template <class Socket>
  std::optional<bhttp::response<bhttp::string_body>> exchange(Socket& s, const std::string& raw)
  {
    boost::system::error_code ec;
    asio::write(s, asio::buffer(raw), ec);
    return read(s);
  }

  template <class Socket>
  std::optional<bhttp::response<bhttp::string_body>> read(Socket& s)
  {
    bhttp::response<bhttp::string_body> res;
    boost::system::error_code ec;
    bhttp::read(s, buffer_, res, ec);
    if (ec)
      return std::nullopt;
    return res;
  }

  // Each request gets 400 and its connection closes (nothing after it is read as a request).
  void expect_each_refused(const std::vector<std::string>& raws)
  {
    for (const auto& raw : raws) {
      auto s = connect();
      const auto r = exchange(s, raw);
      ASSERT_TRUE(r) << raw;
      EXPECT_EQ(r->result_int(), 400u) << raw;
      EXPECT_FALSE(read(s)) << raw;
    }
  }

  asio::io_context io_client_;
  boost::beast::flat_buffer buffer_;
};

} // namespace

TEST_F(Server, ServesRequestsAndKeepsTheConnection)
{
  start();
  auto s = connect();
  auto r = exchange(s, "GET /v1/x%20y?q=a%26b HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
  EXPECT_EQ(r->body(), "GET /v1/x y q=a&b body=0");
  EXPECT_TRUE(r->keep_alive());
  r = exchange(s, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "POST /p q= body=5");
  r = exchange(s, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "POST /c q= body=5");
}

TEST_F(Server, HeadersOverTheLimitAre431)
{
  start({.max_header = 1024});
  auto s = connect();
  const auto r = exchange(s, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431u);
  EXPECT_EQ(r->body(), R"({"error":{"code":"headers_too_large"}})");
  EXPECT_FALSE(r->keep_alive());
}

TEST_F(Server, BodiesOverTheLimitAre413ChunkedToo)
{
  start({.max_body = 1024});
  auto s = connect();
  auto r = exchange(s, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413u);

  auto t = connect();
  std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i)
    chunked += "200\r\n" + std::string(512, 'x') + "\r\n";
  r = exchange(t, chunked);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413u);
}

TEST_F(Server, MalformedAndConflictingRequestsAre400)
{
  start();
  expect_each_refused({
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
    "GET / HTTP/9.9\r\nHost: h\r\n\r\n",
    "G@T / HTTP/1.1\r\nHost: h\r\n\r\n",
  });
}

// (An obs-folded header line is unfolded by Beast, as RFC 9112 section 5.2 allows.)
TEST_F(Server, RequestSmugglingShapesAreRefused)
{
  start();
  expect_each_refused({
    // both framings: a proxy and we could disagree on where the request ends
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 4\r\n\r\nabcd",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nabcd",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabcd\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 4\r\n\r\nabcd",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
  });
}

TEST_F(Server, AHandlerThatThrowsIs500AndTheServerGoesOn)
{
  start();
  auto s = connect();
  auto r = exchange(s, "GET /boom HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500u);
  r = exchange(s, "GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
}

TEST_F(Server, SlowClientsAreCutOff)
{
  start();
  auto s = connect();
  boost::system::error_code ec;
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHo")), ec);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(read(s)); // closed by the server, no response
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));

  auto idle = connect();
  ASSERT_TRUE(exchange(idle, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_FALSE(read(idle)); // an idle keep-alive connection is closed after idle_timeout
}

TEST_F(Server, AtTheCapTheOldestIdleConnectionMakesRoom)
{
  start({.max_connections = 2});
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(exchange(a, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(exchange(b, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto c = connect(); // both others idle: the oldest (a) goes
  const auto r = exchange(c, "GET /new HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
  EXPECT_FALSE(exchange(a, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")) << "a was closed for room";
  EXPECT_TRUE(exchange(b, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
}

TEST_F(Server, ConnectionsOverTheCapGet503WhenAllAreBusy)
{
  start({.max_connections = 2});
  auto a = connect();
  auto b = connect();
  boost::system::error_code ec;
  asio::write(a, asio::buffer(std::string("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")), ec);
  asio::write(b, asio::buffer(std::string("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")), ec);
  std::this_thread::sleep_for(std::chrono::milliseconds(100)); // both in their handlers
  auto c = connect();
  const auto r = read(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 503u);
  EXPECT_EQ((*r)[bhttp::field::retry_after], "1");
  EXPECT_EQ(r->body(), R"({"error":{"code":"overloaded"}})");
  EXPECT_EQ(read(a)->result_int(), 200u); // the busy ones finish
}

TEST_F(Server, BodiesInMemoryAreCappedTogetherAndPlainRequestsGoOn)
{
  start({.max_body = 4096, .read_timeout = std::chrono::seconds(10), .max_body_memory = 4096});
  auto a = connect(); // announces 4,000 bytes and sends them slowly
  boost::system::error_code ec;
  asio::write(a, asio::buffer(std::string("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4000\r\n\r\nabc")), ec);
  for (int i = 0; i < 500 && server_->body_memory() != 4000; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(server_->body_memory(), 4000u);

  auto b = connect(); // 200 more would pass the cap
  auto r = exchange(b, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 200\r\n\r\n" + std::string(200, 'b'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 503u);
  EXPECT_EQ((*r)[bhttp::field::retry_after], "1");
  EXPECT_EQ(r->body(), R"({"error":{"code":"overloaded"}})");
  auto chunked = connect(); // a chunked body counts as max_body
  r = exchange(chunked, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 503u);

  auto plain = connect(); // no body: never refused for memory
  r = exchange(plain, "GET /plain HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);

  r = exchange(a, std::string(3997, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "POST /a q= body=4000");
  for (int i = 0; i < 500 && server_->body_memory() != 0; ++i) // released right after the answer
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(server_->body_memory(), 0u);
  auto again = connect();
  r = exchange(again, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 200\r\n\r\n" + std::string(200, 'b'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "POST /b q= body=200");
}

TEST_F(Server, AlsoOnAUnixSocketWithItsMode)
{
  const auto path = (std::filesystem::temp_directory_path() / ("weshopd-server-test-" + std::to_string(::getpid()) + ".sock")).string();
  {
    std::ofstream stale(path); // not a socket: not ours to remove
  }
  EXPECT_THROW(http::server(io_.get_executor(), {.unix_socket = path}, nullptr), std::exception);
  std::filesystem::remove(path);

  start({.unix_socket = path, .unix_mode = 0660});
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  asio::local::stream_protocol::socket local(io_client_);
  local.connect(asio::local::stream_protocol::endpoint(path));
  const auto r = exchange(local, "GET /over-unix HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "GET /over-unix q= body=0");
  auto tcp_too = connect(); // TCP stays on as well
  EXPECT_EQ(exchange(tcp_too, "GET /tcp HTTP/1.1\r\nHost: h\r\n\r\n")->result_int(), 200u);

  server_->stop();
  for (int i = 0; i < 100 && std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(std::filesystem::exists(path)) << "the socket file goes with the server";
}
