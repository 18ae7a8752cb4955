#include "common/webhook_receiver.hpp"

#include "notify/signature.hpp"

#include <set>

namespace weshopd::test {

webhook_receiver::webhook_receiver(std::string signing_key, std::uint16_t port, std::string host)
  : key_(std::move(signing_key)), host_(std::move(host))
{
  http::server_options o;
  o.host = host_;
  o.port = port;
  server_ = std::make_unique<http::server>(io_.get_executor(), o, [this](http::incoming& req) { return handle(req); });
  port_ = server_->port();
  server_->start();
  thread_ = std::thread([this] { io_.run(); });
}

webhook_receiver::~webhook_receiver()
{
  server_->stop();
  io_.stop();
  thread_.join();
}

boost::asio::awaitable<http::outgoing> webhook_receiver::handle(http::incoming& req)
{
  received_webhook w;
  w.path = req.path;
  w.id = req.header_value("webhook-id");
  w.timestamp = req.header_value("webhook-timestamp");
  w.signature = req.header_value("webhook-signature");
  w.raw = req.body;
  w.headers = req.headers;
  boost::system::error_code ec;
  w.body = boost::json::parse(req.body, ec);
  try {
    w.signature_ok = !w.timestamp.empty() && w.signature == notify::sign(key_, w.id, std::stoll(w.timestamp), req.body);
  } catch (const std::exception&) {
    w.signature_ok = false;
  }
  http::outgoing out;
  out.content_type.clear();
  if (req.path == "/hook") {
    out.status = 204;
  } else if (req.path == "/redirect") {
    out.status = 302;
    out.headers.push_back({"Location", url("/hook")});
  } else {
    out.status = 404;
  }
  {
    std::lock_guard lock(mutex_);
    received_.push_back(std::move(w));
  }
  co_return out;
}

std::string webhook_receiver::url(const std::string& path) const
{
  const bool v6 = host_.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_) + path;
}

std::vector<received_webhook> webhook_receiver::received() const
{
  std::lock_guard lock(mutex_);
  return received_;
}

bool webhook_receiver::wait_distinct(std::size_t n, std::chrono::milliseconds timeout) const
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::set<std::string> ids;
    for (const auto& w : received())
      if (w.path == "/hook")
        ids.insert(w.id);
    if (ids.size() >= n)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace weshopd::test
