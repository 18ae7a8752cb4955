#include "http/server.hpp"

#include "common/task_group.hpp"
#include "http/no_delay.hpp"
#include "http/request_rules.hpp"
#include "http/response_head.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <map>
#include <type_traits>

namespace weshopd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;
// TCP and unix-socket connections alike.
using any_stream = beast::basic_stream<asio::generic::stream_protocol>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using namespace asio::experimental::awaitable_operators;

outgoing plain_error(unsigned status, std::string_view code, std::string_view message)
{
  outgoing out;
  out.status = status;
  out.content_type = "text/plain; charset=utf-8";
  out.body = std::string(code) + ": " + std::string(message) + "\n";
  return out;
}

} // namespace

struct server::impl : std::enable_shared_from_this<impl> {
  struct connection {
    any_stream stream;
    std::string remote; // peer address ("unix" for a unix socket)
    std::uint64_t serial = 0; // accept order: the oldest idle one is evicted first
    std::atomic<bool> busy{false};
    bool evicted = false; // under the server's mutex
    template <class Socket>
    connection(Socket s, std::string peer) : stream(asio::generic::stream_protocol::socket(std::move(s))), remote(std::move(peer))
    {
    }
  };

  asio::any_io_executor executor;
  server_options options;
  handler handle;
  tcp::acceptor acceptor;
  unix_socket::acceptor local_acceptor;
  std::atomic<bool> stopping{false};
  task_group listeners{"http_accept"}; // cancelled at stop()
  task_group sessions{"http_session"}; // may finish their request after stop(), until interrupt()
  mutable std::mutex mutex;
  std::map<std::uint64_t, std::shared_ptr<connection>> connections; // oldest first
  std::uint64_t accepted = 0;
  std::size_t evicting = 0; // closed for room, not yet gone
  std::atomic<std::size_t> body_memory{0};

  // Bytes of body counted for a request until it is answered.
  struct body_reservation {
    impl* owner = nullptr;
    std::size_t bytes = 0;
    body_reservation() = default;
    body_reservation(const body_reservation&) = delete;
    body_reservation& operator=(const body_reservation&) = delete;
    ~body_reservation()
    {
      if (owner)
        owner->body_memory.fetch_sub(bytes);
    }
  };

  // What a request's body may take: its length, or the limit when chunked.
  bool reserve_body(const bhttp::request_parser<bhttp::string_body>& parser, body_reservation& r)
  {
    const auto length = parser.content_length();
    const std::size_t need = length ? static_cast<std::size_t>(*length) : parser.chunked() ? options.max_body : 0;
    if (need == 0)
      return true;
    auto used = body_memory.load();
    do {
      if (used + need > options.max_body_memory)
        return false;
    } while (!body_memory.compare_exchange_weak(used, used + need));
    r.owner = this;
    r.bytes = need;
    return true;
  }

  // At the cap, the oldest connection not in a request (idle keep-alive, or
  // still dribbling its header) makes room: idle sockets cannot lock real
  // clients out. Only when every one is busy is the newcomer refused.
  bool admit(const std::shared_ptr<connection>& c)
  {
    std::lock_guard lock(mutex);
    if (connections.size() - evicting >= options.max_connections)
      for (auto& [serial, old] : connections)
        if (!old->busy && !old->evicted) {
          old->evicted = true;
          ++evicting;
          asio::post(old->stream.get_executor(), [conn = old] { conn->stream.cancel(); });
          break;
        }
    if (connections.size() - evicting >= options.max_connections)
      return false;
    c->serial = ++accepted;
    connections.emplace(c->serial, c);
    return true;
  }

  void forget(const std::shared_ptr<connection>& c)
  {
    std::lock_guard lock(mutex);
    if (connections.erase(c->serial) && c->evicted)
      --evicting;
  }

  impl(asio::any_io_executor ex, server_options opts, handler h)
    : executor(ex), options(std::move(opts)), handle(std::move(h)), acceptor(ex), local_acceptor(ex)
  {
    if (!options.make_error)
      options.make_error = plain_error;
    if (!options.host.empty()) {
      const tcp::endpoint ep(asio::ip::make_address(options.host), options.port);
      acceptor.open(ep.protocol());
      acceptor.set_option(asio::socket_base::reuse_address(true));
      acceptor.bind(ep);
      acceptor.listen(asio::socket_base::max_listen_connections);
    }
    if (!options.unix_socket.empty()) {
      // A socket file left by a daemon that died is in the way; anything else is not ours to remove.
      std::error_code fec;
      if (std::filesystem::is_socket(options.unix_socket, fec))
        std::filesystem::remove(options.unix_socket, fec);
      const unix_socket::endpoint ep(options.unix_socket);
      local_acceptor.open(ep.protocol());
      local_acceptor.bind(ep);
      if (::chmod(options.unix_socket.c_str(), options.unix_mode) != 0)
        throw std::system_error(errno, std::generic_category(), "chmod " + options.unix_socket);
      local_acceptor.listen(asio::socket_base::max_listen_connections);
    }
  }

  template <class Executor>
  static std::string peer_of(asio::basic_stream_socket<tcp, Executor>& s)
  {
    beast::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    return ec ? "" : ep.address().to_string();
  }
  template <class Executor>
  static std::string peer_of(asio::basic_stream_socket<unix_socket, Executor>&)
  {
    return "unix";
  }

  template <class Acceptor>
  static asio::awaitable<void> accept_loop(std::shared_ptr<impl> self, Acceptor& from)
  {
    while (!self->stopping) {
      auto [ec, socket] = co_await from.async_accept(self->executor, use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || self->stopping)
          co_return;
        continue; // e.g. EMFILE: keep serving the connections we have
      }
      if constexpr (std::is_same_v<decltype(socket), tcp::socket>)
        send_without_delay(socket); // before its first byte (see no_delay.hpp); unix sockets have no Nagle
      auto peer = peer_of(socket);
      auto conn = std::make_shared<connection>(std::move(socket), std::move(peer));
      const bool over_cap = !self->admit(conn);
      auto conn_executor = conn->stream.get_executor();
      auto task = over_cap ? refuse(self, conn) : session(self, conn);
      if (!self->sessions.spawn(conn_executor, std::move(task)))
        self->forget(conn); // stopping: it closes as it goes
    }
  }

  static asio::awaitable<void> write(connection& c, const outgoing& out, unsigned version, bool keep_alive)
  {
    const auto head = response_head(out, version, keep_alive); // out with the body in one gathered write
    const std::array buffers{asio::buffer(head), asio::buffer(out.body)};
    c.stream.expires_after(std::chrono::seconds(30));
    co_await asio::async_write(c.stream, buffers, use_tuple);
  }

  // Writes to the connection for a streamed body, each write within a deadline.
  struct stream_writer : body_writer {
    connection& c;
    std::chrono::milliseconds timeout;
    bool broken = false;
    stream_writer(connection& conn, std::chrono::milliseconds t) : c(conn), timeout(t) {}
    asio::awaitable<bool> write(std::string_view data) override
    {
      if (broken)
        co_return false;
      c.stream.expires_after(timeout);
      auto [ec, n] = co_await asio::async_write(c.stream, asio::buffer(data.data(), data.size()), use_tuple);
      broken = static_cast<bool>(ec);
      co_return !broken;
    }
  };

  // A streamed response: the head (no length: the body ends when the
  // connection closes), then whatever the handler writes.
  static asio::awaitable<void> stream_response(std::shared_ptr<impl> self, connection& c, outgoing& out,
                                               unsigned version)
  {
    const auto head = response_head(out, version, false);
    c.stream.expires_after(self->options.write_timeout);
    auto [ec, n] = co_await asio::async_write(c.stream, asio::buffer(head), use_tuple);
    if (ec)
      co_return;
    stream_writer writer{c, self->options.write_timeout};
    // The stream ends when its handler returns or when the client goes away,
    // whichever is first: a closed client frees its stream slot at once,
    // not at the next heartbeat.
    auto streaming = out.stream(writer);
    auto closing = until_closed(c);
    co_await (std::move(streaming) || std::move(closing));
  }

  // Completes when the client closes its side or the socket fails (a stream's
  // client sends nothing more; anything it does send is dropped).
  static asio::awaitable<void> until_closed(connection& c)
  {
    std::array<char, 512> sink{};
    for (;;) {
      auto [ec, n] = co_await c.stream.socket().async_read_some(asio::buffer(sink), use_tuple);
      if (ec)
        co_return;
    }
  }

  static asio::awaitable<void> refuse(std::shared_ptr<impl> self, std::shared_ptr<connection> c)
  {
    auto out = self->options.make_error(503, "overloaded", "too many open connections");
    out.headers.push_back({"Retry-After", "1"});
    co_await write(*c, out, 11, false);
    beast::error_code ec;
    c->stream.socket().shutdown(asio::socket_base::shutdown_both, ec);
  }

  // After refusing a request whose body is still arriving, read (and drop) a
  // bounded amount of it, so the client can finish sending and read our
  // answer instead of meeting a reset ("lingering close", as nginx does).
  static asio::awaitable<void> linger(connection& c)
  {
    beast::error_code ec;
    c.stream.socket().shutdown(asio::socket_base::shutdown_send, ec);
    c.stream.expires_after(std::chrono::seconds(2));
    std::vector<char> sink(64 * 1024);
    for (std::size_t drained = 0; drained < 64 * 1024 * 1024;) {
      auto [rec, n] = co_await c.stream.async_read_some(asio::buffer(sink), use_tuple);
      if (rec)
        break;
      drained += n;
    }
  }

  // Answers `status` and ends the connection politely (see linger).
  static asio::awaitable<void> refuse_request(impl& self, connection& c, read_failure f, bool retry_soon = false)
  {
    auto out = self.options.make_error(f.status, f.code, f.message);
    if (retry_soon)
      out.headers.push_back({"Retry-After", "1"});
    co_await write(c, out, 11, false);
    co_await linger(c);
  }

  // Reads the next request into `parser`: true when there is one to handle;
  // false when the connection is to end (idle, closed, or a request refused
  // with its answer written).
  static asio::awaitable<bool> read_request(impl& self, connection& c, beast::flat_buffer& buffer,
                                            bhttp::request_parser<bhttp::string_body>& parser,
                                            body_reservation& reserved)
  {
    parser.header_limit(static_cast<std::uint32_t>(self.options.max_header));
    parser.body_limit(self.options.max_body);
    c.busy = false;
    c.stream.expires_after(self.options.idle_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(c.stream, buffer, parser, use_tuple);
    c.busy = true;
    boost::system::error_code ec = hec;
    if (!ec)
      if (const auto f = framing_problem(parser.get()); f.status) {
        co_await refuse_request(self, c, f);
        co_return false;
      }
    if (!ec && !self.reserve_body(parser, reserved)) {
      const read_failure busy{503, "overloaded", "too many request bodies in memory; try again shortly"};
      co_await refuse_request(self, c, busy, true);
      co_return false;
    }
    if (!ec) {
      c.stream.expires_after(self.options.read_timeout);
      auto [bec, bn] = co_await bhttp::async_read(c.stream, buffer, parser, use_tuple);
      ec = bec;
    }
    if (ec) {
      if (const auto f = classify(ec); f.status)
        co_await refuse_request(self, c, f);
      co_return false;
    }
    co_return true;
  }

  static asio::awaitable<void> session(std::shared_ptr<impl> self, std::shared_ptr<connection> c)
  {
    beast::flat_buffer buffer;
    const auto& remote = c->remote;
    while (!self->stopping) {
      bhttp::request_parser<bhttp::string_body> parser;
      body_reservation reserved; // until this request is answered
      if (!co_await read_request(*self, *c, buffer, parser, reserved))
        break;

      auto& req = parser.get();
      auto in = to_incoming(req, remote);
      outgoing out;
      try {
        out = co_await self->handle(in);
      } catch (const std::exception&) {
        out = self->options.make_error(500, "internal", "the request could not be handled");
      }
      if (out.stream) {
        co_await stream_response(self, *c, out, req.version());
        break;
      }
      const bool keep_alive = req.keep_alive() && !self->stopping;
      co_await write(*c, out, req.version(), keep_alive);
      if (!keep_alive)
        break;
    }
    beast::error_code ec;
    c->stream.socket().shutdown(asio::socket_base::shutdown_both, ec);
    c->stream.socket().close(ec);
    self->forget(c);
  }
};

server::server(asio::any_io_executor executor, server_options options, handler h)
  : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(h)))
{
}

server::~server()
{
  stop();
}

std::uint16_t server::port() const
{
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void server::start()
{
  if (impl_->acceptor.is_open()) {
    auto loop = impl::accept_loop(impl_, impl_->acceptor);
    impl_->listeners.spawn(impl_->executor, std::move(loop));
  }
  if (impl_->local_acceptor.is_open()) {
    auto loop = impl::accept_loop(impl_, impl_->local_acceptor);
    impl_->listeners.spawn(impl_->executor, std::move(loop));
  }
}

void server::set_request_limits(std::size_t max_header, std::size_t max_body)
{
  asio::dispatch(impl_->executor, [self = impl_, max_header, max_body] {
    self->options.max_header = max_header;
    self->options.max_body = max_body;
  });
}

void server::stop()
{
  if (impl_->stopping.exchange(true))
    return;
  // The socket file goes now (new clients get ENOENT); the acceptors close on their executor.
  if (!impl_->options.unix_socket.empty()) {
    std::error_code fec;
    std::filesystem::remove(impl_->options.unix_socket, fec);
  }
  impl_->sessions.stop(asio::cancellation_type::none); // requests in progress may finish
  asio::post(impl_->executor, [self = impl_] {
    beast::error_code ec;
    self->acceptor.close(ec);
    self->local_acceptor.close(ec);
    self->listeners.stop(); // on the executor: a cancellation signal is not thread-safe
  });
  std::lock_guard lock(impl_->mutex);
  for (const auto& [serial, c] : impl_->connections)
    if (!c->busy) // idle keep-alive: close now; busy ones close after their response
      asio::post(c->stream.get_executor(), [conn = c] { conn->stream.cancel(); });
}

asio::awaitable<void> server::join()
{
  const auto self = impl_;
  co_await self->listeners.wait();
  co_await self->sessions.wait();
}

void server::interrupt()
{
  asio::post(impl_->executor, [self = impl_] { self->sessions.emit(asio::cancellation_type::terminal); });
}

std::size_t server::body_memory() const
{
  return impl_->body_memory.load();
}

std::size_t server::open_connections() const
{
  std::lock_guard lock(impl_->mutex);
  return impl_->connections.size();
}

} // namespace weshopd::http
