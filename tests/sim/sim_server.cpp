#include "sim_server.hpp"

#include "common/image_type.hpp"
#include "http/client.hpp"
#include "weshop/catalog.hpp"
#include "weshop/envelope.hpp"
#include "weshop/image_ref.hpp"
#include "weshop/validate.hpp"

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

// 1x1 transparent PNG: what every simulated result image is.
const std::string tiny_png = [] {
  const unsigned char bytes[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
    0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80,
    0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}();

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
  return json_reply(status, weshopd::weshop::make_error_envelope({std::move(code), std::move(message), retryable}));
}

// The bytes of the part named `field` in a multipart/form-data body.
std::optional<std::string> multipart_field(std::string_view content_type, std::string_view body, std::string_view field)
{
  const auto b = content_type.find("boundary=");
  if (!content_type.starts_with("multipart/form-data") || b == std::string_view::npos)
    return std::nullopt;
  std::string boundary(content_type.substr(b + 9));
  if (const auto semi = boundary.find(';'); semi != std::string::npos)
    boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  for (auto pos = body.find(delimiter); pos != std::string_view::npos;) {
    const auto headers_start = pos + delimiter.size() + 2;
    const auto headers_end = body.find("\r\n\r\n", headers_start);
    if (headers_end == std::string_view::npos)
      return std::nullopt;
    const auto next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string_view::npos)
      return std::nullopt;
    const auto headers = body.substr(headers_start, headers_end - headers_start);
    if (headers.find("name=\"" + std::string(field) + "\"") != std::string_view::npos)
      return std::string(body.substr(headers_end + 4, next - headers_end - 4));
    pos = next + 2;
  }
  return std::nullopt;
}

std::int64_t unix_us()
{
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string endpoint_of(const request_t& req, std::string_view path)
{
  if (req.method() == bhttp::verb::post && path == "/openapi/agent/assets/images")
    return "upload";
  if (req.method() == bhttp::verb::post && path == "/openapi/agent/runs")
    return "runs";
  if (req.method() == bhttp::verb::get && path.starts_with("/openapi/agent/runs/"))
    return "run";
  if (req.method() == bhttp::verb::get && path == "/openapi/v1/agent/info")
    return "info";
  return "other";
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
      co_return handle_admin(req, path);
    case listener::images:
      if (carries_key(req))
        ++state.key_leaks;
      state.count_request("images");
      co_return handle_images(path);
    case listener::api:
    case listener::plain:
      break;
    }

    const auto endpoint = endpoint_of(req, path);
    state.count_request(endpoint);
    const bool api_path = path.starts_with("/openapi/");
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
    if (f && f->kind == fault_kind::status) {
      reply r = f->html ? make_reply(f->status, "<html><body>" + std::to_string(f->status) + "</body></html>", "text/html")
                        : error_reply(f->status, f->code, "simulated HTTP " + std::to_string(f->status),
                                      f->retryable || f->status == 429 || f->status >= 500);
      if (f->retry_after)
        r.res.set(bhttp::field::retry_after, std::to_string(*f->retry_after));
      co_return r;
    }
    if (f && f->kind == fault_kind::api_error) {
      reply r = error_reply(f->status, f->code, "simulated API error", f->retryable);
      if (f->retry_after)
        r.res.set(bhttp::field::retry_after, std::to_string(*f->retry_after));
      co_return r;
    }
    if (f && f->kind == fault_kind::redirect) {
      reply r = make_reply(302, "", "text/plain");
      r.res.set(bhttp::field::location, bound.images + "/redirected");
      co_return r;
    }

    reply r = api_path && req[bhttp::field::authorization] == options.api_key
                ? handle_api(req, endpoint, path, url ? url->params() : boost::urls::params_view{},
                             f && f->kind == fault_kind::unknown_status)
                : unauthorized_or_missing(api_path);
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
    co_return r;
  }

  reply unauthorized_or_missing(bool api_path)
  {
    if (!api_path)
      return error_reply(404, "NOT_FOUND", "no such endpoint", false);
    ++state.auth_failures;
    return error_reply(401, "UNAUTHORIZED", "missing or invalid API key (send the raw key, no Bearer)", false);
  }

  reply handle_api(const request_t& req, const std::string& endpoint, const std::string& path,
                   boost::urls::params_view params, bool unknown_status)
  {
    if (endpoint == "upload") {
      const auto bytes = multipart_field(req[bhttp::field::content_type], req.body(), "image");
      if (!bytes)
        return error_reply(400, "INVALID_REQUEST", "multipart/form-data with a field named image is required", false);
      const auto type = weshopd::sniff_image_type(*bytes);
      if (!type)
        return error_reply(400, "INVALID_IMAGE", "the image must be PNG, JPEG or WebP", false);
      const auto url = state.store_upload(*bytes, type->substr(6));
      return json_reply(200, weshopd::weshop::make_success_envelope(json::object{{"image", url}}));
    }
    if (endpoint == "runs")
      return start_run(req.body());
    if (endpoint == "run") {
      const auto id = path.substr(std::string_view("/openapi/agent/runs/").size());
      const auto* run = state.find_run(id);
      if (!run)
        return error_reply(404, "RUN_NOT_FOUND", "no run with that executionId", false);
      if (state.callback_sent_us.contains(run->id))
        state.fetched_after_callback_us.try_emplace(run->id, unix_us());
      return json_reply(200, weshopd::weshop::make_success_envelope(
                               state.run_data(*run, steady::now(), unknown_status), run->id));
    }
    if (endpoint == "info") {
      const auto name = params.find("agentName");
      const auto version = params.find("agentVersion");
      if (name == params.end() || version == params.end() ||
          !weshopd::weshop::find_agent((*name).value, (*version).value))
        return error_reply(400, "INVALID_AGENT", "unknown agentName/agentVersion", false);
      return json_reply(200, weshopd::weshop::make_success_envelope(state.agent_info((*name).value)));
    }
    return error_reply(404, "NOT_FOUND", "no such endpoint", false);
  }

  reply start_run(const std::string& body)
  {
    auto parsed = weshopd::weshop::parse_json_limited(body);
    if (!parsed || !parsed->is_object())
      return error_reply(400, "INVALID_REQUEST", "the body must be a JSON object", false);
    auto request = parsed->as_object();
    std::string callback;
    if (const auto* cb = request.if_contains("callbackUrl")) {
      if (!cb->is_string() || !weshopd::weshop::is_http_url(cb->get_string()))
        return error_reply(400, "INVALID_PARAMS", "callbackUrl must be an http(s) URL", false);
      callback = cb->get_string();
      request.erase("callbackUrl");
    }
    std::string problems;
    for (const auto& v : weshopd::weshop::validate(request))
      problems += (problems.empty() ? "" : "; ") + v.pointer + " " + v.message;
    if (const auto* input = request.if_contains("input"); input && input->is_object())
      for (const auto& kv : input->get_object())
        if (kv.value().is_string() && kv.key() != "taskName" && !weshopd::weshop::is_http_url(kv.value().get_string()))
          problems += (problems.empty() ? "" : "; ") + std::string("/input/") + std::string(kv.key()) +
                      " must be a public http(s) URL";
    if (!problems.empty())
      return error_reply(400, "INVALID_PARAMS", problems, false);

    const auto& agent = request.at("agent").as_object();
    const auto* version = agent.if_contains("version");
    const auto* params = request.if_contains("params");
    const auto& run = state.create_run(std::string(agent.at("name").as_string()),
                                       version && version->is_string() ? std::string(version->get_string()) : "v1.0",
                                       request.at("input").as_object(),
                                       params && params->is_object() ? params->get_object() : json::object{}, callback);
    if (!run.callback_url.empty() && options.callbacks != callback_mode::off)
      asio::co_spawn(io, send_callback(shared_from_this(), run.id, run.callback_url), asio::detached);
    return json_reply(200, weshopd::weshop::make_success_envelope(json::object{{"executionId", run.id}}, run.id));
  }

  static asio::awaitable<void> send_callback(std::shared_ptr<impl> self, std::string id, std::string url)
  {
    const auto mode = self->options.callbacks;
    const auto* run = self->state.find_run(id);
    auto when = run->created + self->state.run_timing().total();
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
    self->state.callback_sent_us[id] = unix_us();
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

  reply handle_images(const std::string& path)
  {
    if (path.starts_with("/uploads/"))
      if (const auto* bytes = state.find_upload(path.substr(9)))
        return make_reply(200, *bytes, weshopd::sniff_image_type(*bytes).value_or("application/octet-stream"));
    if (path.starts_with("/results/") && path.ends_with(".png"))
      return make_reply(200, tiny_png, "image/png");
    if (path.starts_with("/results/") && path.ends_with(".html")) // a CDN's error page, say
      return make_reply(200, "<html><body>Access denied</body></html>", "text/html");
    if (path == "/redirected")
      return make_reply(200, "you followed a redirect", "text/plain");
    return make_reply(404, "not found", "text/plain");
  }

  reply handle_admin(const request_t& req, const std::string& path)
  {
    const auto method = req.method();
    if (path == "/admin/stats" && method == bhttp::verb::get)
      return json_reply(200, state.stats());
    if (path == "/admin/outage" && method == bhttp::verb::post) {
      boost::system::error_code parse_error;
      const auto body = json::parse(req.body(), parse_error);
      const auto* on = body.is_object() ? body.as_object().if_contains("on") : nullptr;
      if (!on || !on->is_bool())
        return json_reply(400, json::object{{"error", "body: {\"on\": true|false}"}});
      set_outage(on->as_bool());
      return json_reply(200, json::object{{"outage", outage}});
    }
    if (path == "/admin/reset" && method == bhttp::verb::post) {
      state.reset();
      return json_reply(200, json::object{{"reset", true}});
    }
    if (path == "/admin/faults") {
      if (method == bhttp::verb::get || method == bhttp::verb::delete_) {
        if (method == bhttp::verb::delete_)
          state.set_faults({});
        json::array out;
        for (const auto& f : state.faults())
          out.push_back(to_json(f));
        return json_reply(200, json::object{{"faults", std::move(out)}});
      }
      if (method == bhttp::verb::post) {
        auto body = weshopd::weshop::parse_json_limited(req.body());
        const auto* list = body && body->is_object() ? body->as_object().if_contains("faults") : nullptr;
        if (!list || !list->is_array())
          return json_reply(400, json::object{{"error", "expected {\"faults\": [...]}"}});
        std::vector<fault> faults;
        for (const auto& v : list->get_array()) {
          std::string error;
          auto f = fault_from_json(v, error);
          if (!f)
            return json_reply(400, json::object{{"error", error}});
          faults.push_back(*f);
        }
        state.set_faults(std::move(faults));
        return json_reply(200, json::object{{"faults", list->get_array()}});
      }
    }
    if (path.starts_with("/admin/sink")) {
      if (method == bhttp::verb::get)
        return json_reply(200, json::object{{"received", state.sink}});
      auto body = weshopd::weshop::parse_json_limited(req.body());
      state.sink.push_back(json::object{{"path", path}, {"body", body ? *body : json::value(req.body())}});
      return make_reply(204, "", "text/plain");
    }
    if (path == "/admin/callbacks/sent" && method == bhttp::verb::get) {
      json::object sent;
      for (const auto& [run, at] : state.callback_sent_us)
        sent[run] = at;
      json::object fetched;
      for (const auto& [run, at] : state.fetched_after_callback_us)
        fetched[run] = at;
      return json_reply(200, json::object{{"sent_us", std::move(sent)}, {"fetched_us", std::move(fetched)}});
    }
    if (path == "/admin/callbacks" && method == bhttp::verb::post) {
      auto body = weshopd::weshop::parse_json_limited(req.body());
      const auto* mode = body && body->is_object() ? body->as_object().if_contains("mode") : nullptr;
      const auto parsed = mode && mode->is_string() ? parse_callback_mode(mode->get_string()) : std::nullopt;
      if (!parsed)
        return json_reply(400, json::object{{"error", "mode: off|once|duplicate|delayed|dropped|wrong_path"}});
      options.callbacks = *parsed;
      if (const auto* d = body->as_object().if_contains("delay_ms"); d && d->is_int64())
        options.callback_delay = std::chrono::milliseconds(d->get_int64());
      return json_reply(200, json::object{{"mode", mode->get_string()}});
    }
    return json_reply(404, json::object{{"error", "no such admin endpoint"}});
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
