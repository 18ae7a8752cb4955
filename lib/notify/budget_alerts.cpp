#include "notify/budget_alerts.hpp"

#include "common/log.hpp"
#include "common/task_group.hpp"
#include "common/uuid7.hpp"
#include "http/client.hpp"
#include "http/failure_class.hpp"
#include "notify/signature.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace weshopd::notify {

namespace asio = boost::asio;
namespace json = boost::json;

struct alert_sender::impl {
  asio::any_io_executor executor;
  std::string url;
  std::optional<std::string> key;
  std::string currency;
  http::client client;
  uuid7_generator ids;
  task_group sends{"budget_alerts"}; // cancelled at stop(): an alert is best effort

  impl(asio::any_io_executor ex, std::string u, std::optional<std::string> k, std::string c, http::address_policy a)
    : executor(ex), url(std::move(u)), key(std::move(k)), currency(std::move(c)),
      client(ex, {.addresses = std::move(a)})
  {
  }

  // `self` keeps this alive while the attempts go on.
  asio::awaitable<void> deliver(std::shared_ptr<impl> self, budget::budget_alert a)
  {
    (void)self;
    const auto id = "budget_" + ids.next(now_ms());
    const auto body = json::serialize(json::object{{"type", "budget.alert"},
                                                   {"window", a.window},
                                                   {"scope", a.scope},
                                                   {"percent", a.percent},
                                                   {"used", budget::format_amount(a.used)},
                                                   {"limit", budget::format_amount(a.limit)},
                                                   {"currency", currency}});
    for (int attempt = 0; attempt < 5; ++attempt) {
      http::request req;
      req.method = "POST";
      req.url = url;
      req.content_type = "application/json";
      req.body = body;
      const auto at = std::chrono::duration_cast<std::chrono::seconds>(now_ms().time_since_epoch()).count();
      req.headers.push_back({"webhook-id", id});
      req.headers.push_back({"webhook-timestamp", std::to_string(at)});
      if (key)
        req.headers.push_back({"webhook-signature", notify::sign(*key, id, at, body)});
      const auto r = co_await client.fetch(std::move(req));
      if (r && r.resp.status >= 200 && r.resp.status < 300)
        co_return;
      const bool stopped = co_await this_task_cancelled();
      if (stopped)
        co_return;
      log(log_level::warning, "budget_alert_undelivered",
          {{"scope", a.scope}, {"attempt", std::to_string(attempt + 1)},
           {"error", http::failure_class(r)}, {"detail", r.message}});
      asio::steady_timer t(executor, std::chrono::seconds(1 << attempt));
      auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec)
        co_return; // stop()
    }
  }
};

alert_sender::alert_sender(asio::any_io_executor executor, std::string url, std::optional<std::string> signing_key,
                           std::string currency, http::address_policy addresses)
  : impl_(std::make_shared<impl>(executor, std::move(url), std::move(signing_key), std::move(currency),
                                 std::move(addresses)))
{
}

alert_sender::~alert_sender()
{
  stop();
}

void alert_sender::send(const budget::budget_alert& alert)
{
  auto task = impl_->deliver(impl_, alert);
  impl_->sends.spawn(impl_->executor, std::move(task));
}

void alert_sender::stop()
{
  impl_->sends.stop();
}

asio::awaitable<void> alert_sender::join()
{
  const auto self = impl_;
  co_await self->sends.wait();
}

} // namespace weshopd::notify
