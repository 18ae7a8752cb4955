#pragma once
// weshop-sim's network side: the WeShop API over HTTPS (and, for wrong-scheme
// tests, over plain HTTP), an HTTPS image host serving uploads and results,
// an HTTP admin API (stats, reset, faults, callback mode, received requests),
// and the callbacks it sends when runs finish. Sockets, auth and faults live
// here; what each endpoint answers is in sim_api, sim_images and sim_admin,
// and what a run request may hold in sim_rules. Binds its ports in the
// constructor. See README.md beside it.

#include "sim_state.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace weshop_sim {

struct sim_options {
  std::string host = "127.0.0.1";
  unsigned short api_port = 0;
  unsigned short images_port = 0;
  unsigned short admin_port = 0;
  unsigned short plain_port = 0;
  std::string cert_file;
  std::string key_file;
  std::string ca_file; // trusted for https callbacks
  std::string api_key = "sim-test-key";
  std::uint64_t seed = 1;
  timing run_timing{};
  double fail_rate = 0;
  callback_mode callbacks = callback_mode::once;
  std::chrono::milliseconds callback_delay{500};
  std::vector<fault> faults{};
  capacity_limits capacity{}; // --max-running, --max-rps
  run_durations durations{};  // --duration-lognormal
};

class sim_server {
public:
  sim_server(boost::asio::io_context& io, sim_options options);
  ~sim_server();

  struct endpoints {
    std::string api;    // https://host:port
    std::string images; // https://host:port
    std::string admin;  // http://host:port
    std::string plain;  // http://host:port (the API without TLS)
  };
  endpoints bound() const;
  void start();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace weshop_sim
