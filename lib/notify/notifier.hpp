#pragma once
// Local webhooks: POSTs a job to its notify URL when it ends (or on every
// transition), and a batch to its notify URL when its last item ends
// (type batch.<state>, webhook-id "batch_<id>"), signed per Standard
// Webhooks, at least once.
//
// Deliveries are rows written in the same transaction as the event they
// announce (see job_store), so a crash loses none: this class only works
// through the due rows, oldest first, with backoff (1 s doubling to
// retry_cap) for up to max_age, across restarts. 2xx = delivered; anything
// else (redirects included: they are not followed) is tried again. The
// webhook-id is the event's ("evt_<event id>"): the same on every retry, so
// a receiver that dedupes on it sees each event once. Its own HTTP client
// carries no WeShop key and connects only where `addresses` allows; a failed
// attempt's error is its class (http/failure_class.hpp), never a socket
// message, since clients read it.

#include "http/address_policy.hpp"
#include "store/job_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace weshopd::notify {

using namespace std::chrono_literals;

struct notifier_options {
  std::string key;                       // the signing key (see signature.hpp)
  std::chrono::milliseconds retry_initial = 1s;
  std::chrono::milliseconds retry_cap = 10min;
  std::chrono::milliseconds max_age = 24h; // then the delivery is given up (state failed)
  std::chrono::milliseconds timeout = 10s; // per attempt
  std::size_t max_in_flight = 8;
  http::address_policy addresses{}; // outbound.allow
};

class notifier {
public:
  notifier(boost::asio::any_io_executor executor, store::job_store& store, notifier_options options);
  ~notifier();

  void start();
  // Ends the loop; attempts in flight may finish (join() awaits them, interrupt() cuts them).
  void stop();
  boost::asio::awaitable<void> join();
  void interrupt();
  // A delivery may have become due (a new event for a job with a notify URL).
  void poke();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::notify
