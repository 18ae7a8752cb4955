#include "cli/local_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

namespace weshopd::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::optional<local_address> local_address::parse(std::string_view text)
{
  local_address a;
  if (text.starts_with("unix:"))
    text.remove_prefix(5);
  if (text.starts_with('/')) {
    a.unix_socket = std::string(text);
    return a;
  }
  if (text.starts_with("http://"))
    text.remove_prefix(7);
  while (text.ends_with('/'))
    text.remove_suffix(1);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::nullopt;
  a.host = std::string(text.substr(0, colon));
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  const auto port = text.substr(colon + 1);
  unsigned value = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value == 0 || value > 65535)
    return std::nullopt;
  a.port = static_cast<std::uint16_t>(value);
  return a;
}

local_client::local_client(local_address address, std::optional<std::string> token, std::chrono::milliseconds timeout)
  : address_(std::move(address)), token_(std::move(token)), timeout_(timeout)
{
}

reply local_client::call(const std::string& method, const std::string& target, const std::string& body,
                         const header_list& headers)
{
  return exchange(method, target, body, headers, nullptr);
}

reply local_client::stream(const std::string& target, const std::function<bool(std::string_view)>& on_bytes,
                           const header_list& headers)
{
  return exchange("GET", target, {}, headers, &on_bytes);
}

reply local_client::stream_call(const std::string& method, const std::string& target,
                                const std::function<bool(std::string_view)>& on_bytes)
{
  return exchange(method, target, {}, {}, &on_bytes);
}

std::string reply::header(std::string_view name) const
{
  for (const auto& [n, v] : headers)
    if (boost::beast::iequals(n, name))
      return v;
  return {};
}

namespace {

constexpr std::size_t max_reply = 64 * 1024 * 1024; // a result image fits

template <class Stream>
asio::awaitable<reply> converse(Stream& s, bhttp::request<bhttp::string_body> req, std::chrono::milliseconds timeout,
                                const std::function<bool(std::string_view)>* on_bytes)
{
  s.expires_after(timeout);
  co_await bhttp::async_write(s, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  if (on_bytes)
    parser.body_limit(boost::none); // a live stream has no end to wait for
  else
    parser.body_limit(max_reply);
  co_await bhttp::async_read_header(s, buffer, parser, asio::use_awaitable);
  reply r;
  r.status = parser.get().result_int();
  r.content_type = std::string(parser.get()[bhttp::field::content_type]);
  for (const auto& field : parser.get())
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  const bool streaming = on_bytes && r.status == 200;
  if (streaming)
    s.expires_never();
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec, n] = co_await bhttp::async_read_some(s, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == bhttp::error::need_buffer)
      ec = {};
    if (ec)
      throw boost::system::system_error(ec);
    const std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (!streaming)
      r.body.append(got);
    else if (!got.empty() && !(*on_bytes)(got))
      break;
  }
  co_return r;
}

} // namespace

reply local_client::exchange(const std::string& method, const std::string& target, const std::string& body,
                             const header_list& headers, const std::function<bool(std::string_view)>* on_bytes)
{
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, address_.unix_socket.empty() ? address_.host : std::string("localhost"));
  req.set(bhttp::field::user_agent, "weshopctl/0.1");
  req.set(bhttp::field::connection, "close");
  if (token_)
    req.set(bhttp::field::authorization, "Bearer " + *token_);
  for (const auto& [name, value] : headers)
    req.set(name, value);
  if (!body.empty() || method == "POST") {
    req.body() = body;
    req.prepare_payload();
  }

  asio::io_context io;
  std::optional<reply> result;
  std::exception_ptr failure;
  const auto where = address_.unix_socket.empty() ? address_.host + ":" + std::to_string(address_.port)
                                                  : address_.unix_socket;
  asio::co_spawn(
    io,
    [&]() -> asio::awaitable<reply> {
      if (!address_.unix_socket.empty()) {
        beast::basic_stream<asio::local::stream_protocol> s(io);
        s.expires_after(timeout_);
        co_await s.async_connect(asio::local::stream_protocol::endpoint(address_.unix_socket), asio::use_awaitable);
        co_return co_await converse(s, std::move(req), timeout_, on_bytes);
      }
      asio::ip::tcp::resolver resolver(io);
      const auto endpoints =
        co_await resolver.async_resolve(address_.host, std::to_string(address_.port), asio::use_awaitable);
      beast::basic_stream<asio::ip::tcp> s(io);
      s.expires_after(timeout_);
      co_await s.async_connect(endpoints, asio::use_awaitable);
      co_return co_await converse(s, std::move(req), timeout_, on_bytes);
    },
    [&](std::exception_ptr e, reply r) {
      if (e)
        failure = e;
      else
        result = std::move(r);
    });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& e) {
      throw unreachable("weshopd at " + where + ": " + e.code().message());
    }
  }
  return std::move(*result);
}

} // namespace weshopd::cli
