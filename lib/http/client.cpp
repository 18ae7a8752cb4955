#include "http/client.hpp"

#include "http/fetch_failure.hpp"
#include "http/no_delay.hpp"
#include "http/origin.hpp"
#include "http/trust_store.hpp"
#include "http/wire_request.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/x509.h>

#include <sys/socket.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace weshopd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using slot_channel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<tls_stream> tls;
  beast::flat_buffer buffer;
  steady::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // An idle keep-alive connection is usable only if the peer has neither
  // closed it nor sent anything (a close_notify, a stray response).
  bool looks_alive()
  {
    auto& sock = lowest().socket();
    if (!sock.is_open() || buffer.size() != 0)
      return false;
    char c;
    const auto n = ::recv(sock.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void close()
  {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

struct origin_pool {
  std::unique_ptr<slot_channel> slots; // a semaphore: one message per request in flight
  std::vector<std::unique_ptr<connection>> idle;
  std::size_t users = 0; // requests holding or waiting for a slot: while > 0 the entry stays
};

// What an attempt got to, to classify its failure.
struct progress {
  bool write_started = false;
  bool response_started = false;
};

steady::time_point earliest(steady::time_point deadline, std::chrono::milliseconds phase)
{
  return std::min(deadline, steady::now() + phase);
}

} // namespace

struct client::impl {
  asio::any_io_executor executor;
  client_options options;
  ssl::context tls_context{ssl::context::tls_client};
  mutable std::mutex mutex;
  std::map<std::string, origin_pool> pools; // by origin text; erased when unused (see release, sweep)
  client_stats stats;

  impl(asio::any_io_executor ex, client_options opts) : executor(std::move(ex)), options(std::move(opts))
  {
    SSL_CTX_set_min_proto_version(tls_context.native_handle(), TLS1_2_VERSION);
    tls_context.set_verify_mode(ssl::verify_peer);
    if (options.ca_file.empty()) {
      use_system_trust_store(tls_context.native_handle()); // read once per process, not per client
    } else {
      boost::system::error_code ec;
      tls_context.load_verify_file(options.ca_file, ec);
      if (ec)
        throw std::runtime_error("TLS trust store " + options.ca_file + ": " + ec.message());
    }
    if (options.max_per_origin == 0)
      options.max_per_origin = 1;
  }

  // The origin's pool, held (users) until release(): the entry and its
  // channel stay put while a request refers to them.
  origin_pool& pool_for(const std::string& key)
  {
    std::lock_guard lock(mutex);
    sweep_locked();
    auto& p = pools[key];
    if (!p.slots)
      p.slots = std::make_unique<slot_channel>(executor, options.max_per_origin);
    ++p.users;
    return p;
  }

  void release(const std::string& key)
  {
    std::lock_guard lock(mutex);
    const auto it = pools.find(key);
    if (it != pools.end() && --it->second.users == 0 && it->second.idle.empty())
      pools.erase(it);
  }

  // Closes idle connections past their expiry and forgets pools left with
  // neither users nor idle connections.
  void sweep_locked()
  {
    const auto now = steady::now();
    for (auto it = pools.begin(); it != pools.end();) {
      auto& p = it->second;
      std::erase_if(p.idle, [&](const auto& c) {
        if (now - c->idle_since < options.idle_expiry)
          return false;
        c->close();
        return true;
      });
      it = p.users == 0 && p.idle.empty() ? pools.erase(it) : std::next(it);
    }
  }

  std::unique_ptr<connection> take_idle(const std::string& key)
  {
    std::lock_guard lock(mutex);
    auto& idle = pools[key].idle;
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (steady::now() - c->idle_since < options.idle_expiry && c->looks_alive()) {
        ++stats.reused;
        return c;
      }
      c->close();
    }
    return nullptr;
  }

  void give_back(const std::string& key, std::unique_ptr<connection> c)
  {
    c->idle_since = steady::now();
    std::lock_guard lock(mutex);
    auto& idle = pools[key].idle;
    std::erase_if(idle, [&](const auto& old) {
      if (steady::now() - old->idle_since < options.idle_expiry)
        return false;
      old->close();
      return true;
    });
    if (idle.size() < options.max_per_origin)
      idle.push_back(std::move(c));
    else
      c->close();
  }

  void count(std::uint64_t client_stats::*counter)
  {
    std::lock_guard lock(mutex);
    ++(stats.*counter);
  }

  void log(std::string_view line) const
  {
    if (options.log)
      options.log(line);
  }

  // Resolves o.host and keeps only the addresses outbound.allow allows: only
  // those are connected to, with no second lookup a rebinding DNS server
  // could answer differently.
  asio::awaitable<fetch_result> resolve(const origin& o, steady::time_point deadline, std::vector<tcp::endpoint>& out)
  {
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor);
    timer.expires_at(earliest(deadline, options.resolve_timeout));
    auto resolved = co_await (resolver.async_resolve(o.host, std::to_string(o.port), use_tuple) ||
                              timer.async_wait(use_tuple));
    if (resolved.index() == 1)
      co_return fetch_failure(failure_kind::timeout, false, "resolving " + o.host + " timed out");
    auto [rec, resolved_endpoints] = std::get<0>(resolved);
    if (rec)
      co_return fetch_failure(failure_of(rec, failure_kind::resolve), false, "resolving " + o.host + ": " + rec.message());
    std::string refused;
    for (const auto& e : resolved_endpoints) {
      const auto a = e.endpoint().address();
      if (!options.addresses || options.addresses->allows(a))
        out.push_back(e.endpoint());
      else
        refused += (refused.empty() ? "" : ", ") + a.to_string() + " (" + std::string(to_string(classify(a))) + ")";
    }
    if (out.empty())
      co_return fetch_failure(failure_kind::address_not_allowed, false,
                              o.host + " resolves only to addresses outbound.allow does not allow: " + refused);
    co_return fetch_result{};
  }

  // TLS over the connected stream, the peer's certificate checked against o.host.
  asio::awaitable<fetch_result> handshake(const origin& o, steady::time_point deadline, connection& conn)
  {
    auto* ssl_handle = conn.tls->native_handle();
    if (!o.host_is_address())
      // SNI carries names only, never addresses (SSL_set_tlsext_host_name, without its C cast).
      SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(o.host.c_str()));
    conn.tls->set_verify_mode(ssl::verify_peer);
    conn.tls->set_verify_callback(ssl::host_name_verification(o.host));
    conn.lowest().expires_at(earliest(deadline, options.handshake_timeout));
    auto [hec] = co_await conn.tls->async_handshake(ssl::stream_base::client, use_tuple);
    if (hec) {
      std::string why = hec.message();
      if (const long v = SSL_get_verify_result(ssl_handle); v != X509_V_OK)
        why = std::string("certificate: ") + X509_verify_cert_error_string(v);
      co_return fetch_failure(failure_of(hec, failure_kind::tls), false, "TLS with " + o.to_string() + ": " + why);
    }
    count(&client_stats::tls_handshakes);
    co_return fetch_result{};
  }

  asio::awaitable<fetch_result> open(const origin& o, steady::time_point deadline, std::unique_ptr<connection>& out)
  {
    std::vector<tcp::endpoint> endpoints;
    if (auto r = co_await resolve(o, deadline, endpoints); !r)
      co_return r;
    auto conn = std::make_unique<connection>();
    auto stream = std::make_unique<beast::tcp_stream>(executor);
    stream->expires_at(earliest(deadline, options.connect_timeout));
    auto [cec, endpoint] = co_await stream->async_connect(endpoints, use_tuple);
    if (cec)
      co_return fetch_failure(failure_of(cec, failure_kind::connect), false, "connecting to " + o.to_string() + ": " + cec.message());
    count(&client_stats::connections_opened);
    send_without_delay(stream->socket()); // before the handshake's and the request's first bytes
    if (!o.tls()) {
      conn->plain = std::move(stream);
      out = std::move(conn);
      co_return fetch_result{};
    }
    conn->tls = std::make_unique<tls_stream>(std::move(*stream), tls_context);
    if (auto r = co_await handshake(o, deadline, *conn); !r)
      co_return r;
    out = std::move(conn);
    co_return fetch_result{};
  }

  template <class Stream>
  asio::awaitable<fetch_result> exchange(Stream& stream, connection& conn, bhttp::request<bhttp::string_body>& req,
                                         steady::time_point deadline, progress& p, bool& keep_alive)
  {
    conn.lowest().expires_at(earliest(deadline, options.write_timeout));
    p.write_started = true;
    auto [wec, written] = co_await bhttp::async_write(stream, req, use_tuple);
    if (wec)
      co_return fetch_failure(failure_of(wec, failure_kind::write), true, "writing the request: " + wec.message());

    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header));
    parser.body_limit(options.max_body);
    conn.lowest().expires_at(earliest(deadline, options.read_timeout));
    auto [rec, n] = co_await bhttp::async_read(stream, conn.buffer, parser, use_tuple);
    p.response_started = parser.got_some();
    if (rec) {
      failure_kind k = failure_kind::read;
      if (rec == bhttp::error::body_limit || rec == bhttp::error::header_limit || rec == bhttp::error::buffer_overflow)
        k = failure_kind::too_large;
      else if (rec.category() == make_error_code(bhttp::error::end_of_stream).category() && rec != bhttp::error::end_of_stream &&
               rec != bhttp::error::partial_message)
        k = failure_kind::protocol;
      co_return fetch_failure(failure_of(rec, k), true, "reading the response: " + rec.message());
    }

    auto msg = parser.release();
    fetch_result r;
    r.resp.status = msg.result_int();
    for (const auto& f : msg)
      r.resp.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    r.resp.body = std::move(msg.body());
    keep_alive = msg.keep_alive();
    if (r.resp.status >= 300 && r.resp.status < 400) {
      r.failure = failure_kind::redirect;
      r.maybe_sent = true;
      r.message = "redirect " + std::to_string(r.resp.status) + " not followed";
    }
    co_return r;
  }

  // One exchange on a pooled or new connection. A GET that failed on a reused
  // connection before any response byte came back most likely met a
  // keep-alive connection the server had just closed: it is tried once more
  // on a fresh connection. Nothing else is retried here.
  asio::awaitable<fetch_result> send(const std::string& key, const origin& o, bhttp::request<bhttp::string_body>& hreq,
                                     steady::time_point deadline)
  {
    fetch_result r;
    const bool retry_stale = hreq.method() == bhttp::verb::get || hreq.method() == bhttp::verb::head;
    for (int attempt = 0;; ++attempt) {
      auto conn = take_idle(key);
      const bool reused = conn != nullptr;
      if (!conn) {
        r = co_await open(o, deadline, conn);
        if (!r)
          break;
      }
      progress p;
      bool keep_alive = false;
      // (if/else, not ?: : GCC 12 miscompiles co_await inside a conditional expression)
      if (conn->tls)
        r = co_await exchange(*conn->tls, *conn, hreq, deadline, p, keep_alive);
      else
        r = co_await exchange(*conn->plain, *conn, hreq, deadline, p, keep_alive);
      if ((r || r.failure == failure_kind::redirect) && keep_alive) {
        give_back(key, std::move(conn));
      } else {
        conn->close();
        if (!r && reused && retry_stale && attempt == 0 && !p.response_started &&
            (r.failure == failure_kind::read || r.failure == failure_kind::write))
          continue;
      }
      break;
    }
    co_return r;
  }

  void log_outcome(const std::string& what, const fetch_result& r, steady::time_point started) const
  {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    if (r)
      log(what + " -> " + std::to_string(r.resp.status) + " in " + std::to_string(ms) + " ms");
    else
      log(what + " failed (" + std::string(to_string(r.failure)) + (r.maybe_sent ? ", maybe sent" : ", not sent") +
          ") in " + std::to_string(ms) + " ms: " + r.message);
  }

  asio::awaitable<fetch_result> fetch(request req)
  {
    const auto started = steady::now();
    const auto deadline = started + req.total_timeout.value_or(options.total_timeout);
    const auto o = origin_of(req.url);
    auto url = boost::urls::parse_absolute_uri(req.url);
    const auto verb = bhttp::string_to_verb(req.method);
    if (!o || !url || verb == bhttp::verb::unknown)
      co_return fetch_failure(failure_kind::bad_request, false, "not an absolute http(s) URL or method");
    bhttp::request<bhttp::string_body> hreq;
    if (auto bad = to_wire(req, *o, *url, verb, options.user_agent, hreq); !bad)
      co_return bad;

    const auto key = o->to_string();
    auto& pool = pool_for(key);
    struct pool_release { // declared before the slot's: runs after it
      impl& i;
      const std::string& key;
      ~pool_release() { i.release(key); }
    } held{*this, key};
    count(&client_stats::requests);
    const std::string what = req.method + " " + key + std::string(url->encoded_path());

    asio::steady_timer wait_timer(executor);
    wait_timer.expires_at(deadline);
    auto slot = co_await (pool.slots->async_send(boost::system::error_code{}, use_tuple) ||
                          wait_timer.async_wait(use_tuple));
    if (slot.index() == 1 || std::get<0>(slot) != std::tuple<boost::system::error_code>{})
      co_return fetch_failure(slot.index() == 1 ? failure_kind::timeout : failure_kind::canceled, false,
                              what + ": no connection free before the deadline");
    struct slot_release {
      slot_channel& ch;
      ~slot_release() { ch.try_receive([](boost::system::error_code) {}); }
    } release{*pool.slots};

    auto r = co_await send(key, *o, hreq, deadline);
    log_outcome(what, r, started);
    co_return r;
  }
};

client::client(asio::any_io_executor executor, client_options options)
  : impl_(std::make_shared<impl>(std::move(executor), std::move(options)))
{
}

client::~client()
{
  close_idle();
}

asio::awaitable<fetch_result> client::fetch(request req)
{
  auto self = impl_; // outlives this call even if the client is destroyed meanwhile
  co_return co_await self->fetch(std::move(req));
}

client_stats client::stats() const
{
  std::lock_guard lock(impl_->mutex);
  impl_->sweep_locked();
  auto s = impl_->stats;
  s.origins = impl_->pools.size();
  return s;
}

void client::close_idle()
{
  std::lock_guard lock(impl_->mutex);
  auto& pools = impl_->pools;
  for (auto it = pools.begin(); it != pools.end();) {
    for (auto& c : it->second.idle)
      c->close();
    it->second.idle.clear();
    it = it->second.users == 0 ? pools.erase(it) : std::next(it);
  }
}

} // namespace weshopd::http
