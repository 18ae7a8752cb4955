#pragma once
// weshop-sim as a real process for integration tests, with a PKI made for the
// test, and a small admin client (stats, faults, callback mode, sink, received runs).

#include "common/child_process.hpp"
#include "common/temp_dir.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace weshopd::test {

struct sim_endpoints {
  std::string api, images, admin, plain;
};

class sim_process {
public:
  // Starts the sim with cert/key (and trusts ca for callbacks) plus `extra` flags.
  sim_process(const std::string& cert, const std::string& key, const std::string& ca,
              const std::vector<std::string>& extra = {});

  const sim_endpoints& endpoints() const { return endpoints_; }
  pid_t pid() const { return process_.pid(); }

  boost::json::value stats();
  void set_faults(const std::string& faults_json_array);
  void set_callbacks(const std::string& mode, int delay_ms = 0);
  // The API goes away (connections refused, open ones closed) or comes back.
  void set_outage(bool on);
  boost::json::array sink();
  // The last 256 POST /openapi/agent/runs as received: {executionId|null, status, body}.
  boost::json::array received();
  // Of `task_names`, those whose runs WeShop accepted, in the order it accepted them.
  std::vector<std::string> accepted_tasks(const std::vector<std::string>& task_names);
  void reset();

  // A plain-HTTP request to the admin port: status and parsed body.
  std::pair<unsigned, boost::json::value> admin(const std::string& method, const std::string& path,
                                                const std::string& body = "");

private:
  child_process process_;
  sim_endpoints endpoints_;
};

// A CA, its certificate and a good server certificate for 127.0.0.1, in `dir`.
struct sim_pki {
  std::string ca, cert, key;
};
sim_pki make_sim_pki(const temp_dir& dir);

} // namespace weshopd::test
