#pragma once
// Result mirroring (results.mirror = true): WeShop's result URLs expire, so
// each succeeded job's images are copied to <dir>/<job id>/<n>.<ext> and
// served by the local API (GET /v1/jobs/{id}/results/{n}).
//
// - Work comes from the store (jobs marked mirror = pending in the same
//   transaction that made them succeeded), so a crash or restart loses none.
// - Each image is fetched from its own host with a client of its own that
//   carries no credential and connects only where `addresses` allows
//   (outbound.allow); redirects are not followed; the body is capped at
//   max_image_bytes; it must be answered as image/* and be a PNG, JPEG or
//   WebP by its bytes. Network and 5xx failures are retried (backoff, up to
//   max_attempts); then, or for anything else, the job's mirroring fails
//   (the copies made are kept).
// - A copy is written to a temporary name, fsynced and renamed: a file that
//   exists is whole. The store records it after that.
// - A sweep (at start, then every sweep_interval) expires copies past
//   retention or beyond max_total_bytes (oldest first): the store forgets
//   them first, then the files are deleted.
// Runs on the daemon's one-thread executor.

#include "http/address_policy.hpp"
#include "store/job_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace weshopd::mirror {

using namespace std::chrono_literals;

struct result_mirror_options {
  std::string dir;
  std::uint64_t max_image_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds retention = 30 * 24h;
  std::uint64_t max_total_bytes = 10ull * 1024 * 1024 * 1024;
  std::string ca_file{}; // extra trust for result hosts (the simulator's); empty: the system's
  std::size_t max_in_flight = 4; // jobs being copied at once
  int max_attempts = 5;          // per image, for network and 5xx failures
  std::chrono::milliseconds retry_initial = 1s;
  std::chrono::milliseconds sweep_interval = 1h;
  http::address_policy addresses{}; // outbound.allow
};

class result_mirror {
public:
  // Throws std::runtime_error when dir cannot be created.
  result_mirror(boost::asio::any_io_executor executor, store::job_store& store, result_mirror_options options);
  ~result_mirror();

  void start();
  // Ends the loops and cuts the copies under way (they stay pending).
  void stop();
  boost::asio::awaitable<void> join(); // until every coroutine ended
  // A job may have become pending (it succeeded).
  void poke();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshopd::mirror
