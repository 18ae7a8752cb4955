#pragma once
// Sends budget alerts (80 % and 100 % of a limit, decided by the pure
// budget/budget_policy) to budget.alert_url: a JSON POST,
// signed like local notifications (Standard Webhooks) when notify.secret_file
// is set, tried a few times with backoff. Each alert is sent once: the store
// records which thresholds a window has announced (budget_usage.alerted).
// Connects only where `addresses` allows (outbound.allow).

#include "budget/budget_policy.hpp"
#include "http/address_policy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace weshopd::notify {

class alert_sender {
public:
  alert_sender(boost::asio::any_io_executor executor, std::string url, std::optional<std::string> signing_key,
               std::string currency, http::address_policy addresses = {});
  ~alert_sender();

  void send(const budget::budget_alert& alert); // returns at once
  // Sends no more and cancels the sends under way (on the executor's thread).
  void stop();
  boost::asio::awaitable<void> join(); // until the sends under way ended

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::notify
