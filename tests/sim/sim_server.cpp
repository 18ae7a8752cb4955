#include "sim_server.hpp"

#include "http/client.hpp"
#include "sim_admin.hpp"
#include "sim_api.hpp"
#include "sim_envelope.hpp"
#include "sim_images.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>

#include <map>
#include <sstream>

namespace weshop_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using request_t = bhttp::request<bhttp::string_body>;
using response_t = bhttp::response<bhttp::string_body>;

enum class listener { api, images, admin, plain };

struct reply {
  enum class action { respond, reset, stall, drip, truncate };
  response_t res;
  action act = action::respond;
  int drip_ms = 0;
};

reply make_reply(unsigned status, std::string body, std::string_view content_type)
{
  reply r;
  r.res.result(status);
  r.res.set(bhttp::field::content_type, content_type);
  r.res.body() = std::move(body);
  return r;
}

reply json_reply(unsigned status, const json::value& body)
{
  return make_reply(status, json::serialize(body), "application/json");
}

reply error_reply(unsigned status, std::string code, std::string message, bool retryable)
{
  return json_reply(status, error_envelope(code, message, retryable));
}

reply image_reply(image_file f)
{
  return make_reply(f.status, std::move(f.body), f.content_type);
}

reply to_reply(const answer& a)
{
  reply r = a.body.is_null() ? make_reply(a.status, "", "text/plain") : json_reply(a.status, a.body);
  if (a.retry_after)
    r.res.set(bhttp::field::retry_after, std::to_string(*a.retry_after));
  return r;
}

} // namespace

struct sim_server::impl : std::enable_shared_from_this<impl> {
  asio::io_context& io;
  sim_options options;
  ssl::context tls{ssl::context::tls_server};
  sim_state state;
  tcp::acceptor api_acceptor, images_acceptor, admin_acceptor, plain_acceptor;
  sim_server::endpoints bound;
  weshopd::http::client callback_client;
  // An outage (POST /admin/outage): the API port refuses connections and the
  // open API connections are closed, as when the real service goes away.
  bool outage = false;
  std::map<std::uint64_t, tcp::socket*> api_sockets;
  std::uint64_t api_socket_serial = 0;
  admin_controls admin{[this](bool on) { set_outage(on); }, [this] { return outage; }, options.callbacks,
                       options.callback_delay};

  static weshopd::http::client_options callback_client_options(const sim_options& o)
  {
    weshopd::http::client_options c;
    c.ca_file = o.ca_file;
    c.total_timeout = std::chrono::seconds(10);
    return c;
  }

  impl(asio::io_context& ctx, sim_options opts)
    : io(ctx), options(std::move(opts)), state(options.seed, options.run_timing, options.fail_rate),
      api_acceptor(ctx), images_acceptor(ctx), admin_acceptor(ctx), plain_acceptor(ctx),
      callback_client(ctx.get_executor(), callback_client_options(options))
  {
    tls.use_certificate_chain_file(options.cert_file);
    tls.use_private_key_file(options.key_file, ssl::context::pem);
    const auto listen = [&](tcp::acceptor& a, unsigned short port, std::string_view scheme) {
      const tcp::endpoint ep(asio::ip::make_address(options.host), port);
      a.open(ep.protocol());
      a.set_option(asio::socket_base::reuse_address(true));
      a.bind(ep);
      a.listen();
      return std::string(scheme) + "://" + options.host + ":" + std::to_string(a.local_endpoint().port());
    };
    bound.api = listen(api_acceptor, options.api_port, "https");
    bound.images = listen(images_acceptor, options.images_port, "https");
    bound.admin = listen(admin_acceptor, options.admin_port, "http");
    bound.plain = listen(plain_acceptor, options.plain_port, "http");
    state.set_images_base(bound.images);
    state.set_faults(options.faults);
    state.capacity.set_limits(options.capacity);
    state.durations = options.durations;
  }

  void start()
  {
    auto self = shared_from_this();
    for (auto [acceptor, kind] : {std::pair{&api_acceptor, listener::api}, std::pair{&images_acceptor, listener::images},
                                  std::pair{&admin_acceptor, listener::admin}, std::pair{&plain_acceptor, listener::plain}})
      asio::co_spawn(io, accept_loop(self, *acceptor, kind), asio::detached);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<impl> self, tcp::acceptor& acceptor, listener kind)
  {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec == asio::error::operation_aborted)
        co_return;
      if (!ec)
        asio::co_spawn(self->io, self->serve(self, std::move(socket), kind), asio::detached);
    }
  }

  void set_outage(bool on)
  {
    if (on == outage)
      return;
    outage = on;
    boost::system::error_code ec;
    if (on) {
      api_acceptor.close(ec);
      for (auto& [id, socket] : api_sockets) {
        socket->shutdown(tcp::socket::shutdown_both, ec);
        socket->close(ec);
      }
      return;
    }
    const auto port = static_cast<unsigned short>(std::stoi(bound.api.substr(bound.api.rfind(':') + 1)));
    const tcp::endpoint ep(asio::ip::make_address(options.host), port);
    api_acceptor.open(ep.protocol());
    api_acceptor.set_option(asio::socket_base::reuse_address(true));
    api_acceptor.bind(ep);
    api_acceptor.listen();
    asio::co_spawn(io, accept_loop(shared_from_this(), api_acceptor, listener::api), asio::detached);
  }

  static void reset(tcp::socket& socket)
  {
    boost::system::error_code ec;
    socket.set_option(asio::socket_base::linger(true, 0), ec); // close with RST
    socket.close(ec);
  }

  // `self` keeps the server alive while the connection lives.
  asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<impl> self, tcp::socket socket, listener kind)
  {
    if ((kind == listener::api || kind == listener::plain) && state.take_connection_reset()) {
      reset(socket);
      co_return;
    }
    if (kind == listener::api || kind == listener::images) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
      struct registration {
        impl& i;
        std::uint64_t id = 0;
        ~registration()
        {
          if (id)
            i.api_sockets.erase(id);
        }
      } registered{*this};
      if (kind == listener::api) {
        registered.id = ++api_socket_serial;
        api_sockets[registered.id] = &beast::get_lowest_layer(stream).socket();
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
      if (ec)
        co_return;
      ++state.tls_handshakes;
      co_await session(stream, kind);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await session(stream, kind);
    }
  }

  template <class Stream>
  asio::awaitable<void> session(Stream& stream, listener kind)
  {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      if (ec)
        co_return;
      auto req = parser.release();
      reply r = co_await handle(req, kind);
      r.res.version(req.version());
      r.res.keep_alive(req.keep_alive());
      r.res.prepare_payload();
      auto& socket = beast::get_lowest_layer(stream).socket();
      beast::get_lowest_layer(stream).expires_after(std::chrono::minutes(10));

      switch (r.act) {
      case reply::action::respond: {
        auto [wec, wn] = co_await bhttp::async_write(stream, r.res, use_tuple);
        if (wec || !r.res.keep_alive())
          co_return;
        break;
      }
      case reply::action::reset:
        reset(socket);
        co_return;
      case reply::action::stall: {
        char byte;
        co_await stream.async_read_some(asio::buffer(&byte, 1), use_tuple); // until the client gives up
        co_return;
      }
      case reply::action::drip:
      case reply::action::truncate: {
        std::ostringstream out;
        out << r.res;
        std::string bytes = out.str();
        if (r.act == reply::action::truncate) {
          bytes.resize(bytes.size() - std::min<std::size_t>(bytes.size() / 2, r.res.body().size() / 2 + 1));
          co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
          reset(socket);
          co_return;
        }
        asio::steady_timer timer(io);
        for (char c : bytes) {
          auto [dec, dn] = co_await asio::async_write(stream, asio::buffer(&c, 1), use_tuple);
          if (dec)
            co_return;
          timer.expires_after(std::chrono::milliseconds(r.drip_ms));
          co_await timer.async_wait(use_tuple);
        }
        break;
      }
      }
    }
  }

  bool carries_key(const request_t& req) const
  {
    if (options.api_key.empty())
      return false;
    if (std::string_view(req.target()).find(options.api_key) != std::string_view::npos)
      return true;
    for (const auto& f : req)
      if (std::string_view(f.value()).find(options.api_key) != std::string_view::npos)
        return true;
    return false;
  }

  asio::awaitable<reply> handle(const request_t& req, listener kind)
  {
    auto url = boost::urls::parse_origin_form(req.target());
    const std::string path = url ? std::string(url->path()) : std::string();
    switch (kind) {
    case listener::admin:
      if (carries_key(req))
        ++state.key_leaks;
      co_return to_reply(handle_admin(state, admin, req.method(), path, req.body()));
    case listener::images:
      if (carries_key(req))
        ++state.key_leaks;
      state.count_request("images");
      co_return image_reply(serve_image(state, path));
    case listener::api:
    case listener::plain:
      break;
    }

    const std::string endpoint(endpoint_of(req.method(), path));
    state.count_request(endpoint);
    const bool api_path = api_path_of(path);
    if (kind == listener::plain ? carries_key(req)
                                : (api_path ? std::string_view(req.target()).find(options.api_key) != std::string_view::npos
                                            : carries_key(req)))
      ++state.key_leaks; // the key in clear text, in a URL, or on a path that is not the API

    std::optional<fault> f;
    if (endpoint != "other")
      f = state.take_fault(endpoint);
    if (f && f->kind == fault_kind::latency) {
      asio::steady_timer timer(io, std::chrono::milliseconds(f->ms));
      co_await timer.async_wait(use_tuple);
    }
    std::optional<std::string> started;
    reply r = answer_api(req, endpoint, path, url ? url->params() : boost::urls::params_view{}, f, started);
    if (endpoint == "runs") // every one, refused or faulted too: tests read what weshopd sent
      state.record_received({started, r.res.result_int(), req.body()});
    co_return r;
  }

  // The API's answer to `req`, faults included; `started` is the run it created.
  reply answer_api(const request_t& req, const std::string& endpoint, const std::string& path,
                   boost::urls::params_view params, const std::optional<fault>& f, std::optional<std::string>& started)
  {
    if (f && f->kind == fault_kind::status) {
      reply r = f->html ? make_reply(f->status, "<html><body>" + std::to_string(f->status) + "</body></html>", "text/html")
                        : error_reply(f->status, f->code, "simulated HTTP " + std::to_string(f->status),
                                      f->retryable || f->status == 429 || f->status >= 500);
      if (f->retry_after)
        r.res.set(bhttp::field::retry_after, std::to_string(*f->retry_after));
      return r;
    }
    if (f && f->kind == fault_kind::api_error) {
      reply r = error_reply(f->status, f->code, "simulated API error", f->retryable);
      if (f->retry_after)
        r.res.set(bhttp::field::retry_after, std::to_string(*f->retry_after));
      return r;
    }
    if (f && f->kind == fault_kind::redirect) {
      reply r = make_reply(302, "", "text/plain");
      r.res.set(bhttp::field::location, bound.images + "/redirected");
      return r;
    }

    reply r = api_path_of(path) && req[bhttp::field::authorization] == options.api_key
                ? to_reply(call_api(req, endpoint, path, params, f && f->kind == fault_kind::unknown_status, started))
                : unauthorized_or_missing(api_path_of(path));
    if (f) {
      switch (f->kind) {
      case fault_kind::reset_after_read: r.act = reply::action::reset; break;
      case fault_kind::truncate: r.act = reply::action::truncate; break;
      case fault_kind::drip:
        r.act = reply::action::drip;
        r.drip_ms = f->ms;
        break;
      case fault_kind::stall: r.act = reply::action::stall; break;
      case fault_kind::malformed:
        r.res.result(200);
        r.res.body() = R"({"success": true, "data": {"executionId": )";
        break;
      default: break;
      }
    }
    return r;
  }

  static bool api_path_of(std::string_view path) { return path.starts_with("/openapi/"); }

  reply unauthorized_or_missing(bool api_path)
  {
    if (!api_path)
      return error_reply(404, "NOT_FOUND", "no such endpoint", false);
    ++state.auth_failures;
    return error_reply(401, "UNAUTHORIZED", "missing or invalid API key (send the raw key, no Bearer)", false);
  }

  answer call_api(const request_t& req, const std::string& endpoint, const std::string& path,
                  boost::urls::params_view params, bool unknown_status, std::optional<std::string>& started)
  {
    auto a = call_endpoint(state, endpoint, path, params, req[bhttp::field::content_type], req.body(), unknown_status);
    if (a.started) {
      started = a.started->id;
      if (!a.started->callback_url.empty() && options.callbacks != callback_mode::off)
        asio::co_spawn(io, send_callback(shared_from_this(), a.started->id, a.started->callback_url), asio::detached);
    }
    return a;
  }

  static asio::awaitable<void> send_callback(std::shared_ptr<impl> self, std::string id, std::string url)
  {
    const auto mode = self->options.callbacks;
    const auto* run = self->state.find_run(id);
    auto when = run->created + run->phases.total();
    if (mode == callback_mode::delayed)
      when += self->options.callback_delay;
    asio::steady_timer timer(self->io, when);
    co_await timer.async_wait(use_tuple);
    if (mode == callback_mode::dropped) {
      ++self->state.callbacks_dropped;
      co_return;
    }
    if (mode == callback_mode::wrong_path) {
      boost::urls::url u(url);
      u.segments().push_back("wrong");
      url = std::string(u.buffer());
    }
    const auto body = json::serialize(json::object{{"executionId", id}, {"status", self->state.status_at(*run, steady::now())}});
    self->state.callback_sent_us[id] = unix_now_us();
    for (int i = 0; i < (mode == callback_mode::duplicate ? duplicate_callbacks : 1); ++i) {
      weshopd::http::request req;
      req.method = "POST";
      req.url = url;
      req.content_type = "application/json";
      req.body = body;
      const auto r = co_await self->callback_client.fetch(std::move(req));
      ++(r ? self->state.callbacks_sent : self->state.callbacks_failed);
    }
  }
};

sim_server::sim_server(asio::io_context& io, sim_options options)
  : impl_(std::make_shared<impl>(io, std::move(options)))
{
}

sim_server::~sim_server() = default;

sim_server::endpoints sim_server::bound() const
{
  return impl_->bound;
}

void sim_server::start()
{
  impl_->start();
}

} // namespace weshop_sim
