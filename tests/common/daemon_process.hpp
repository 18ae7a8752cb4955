#pragma once
// weshopd as a real process against a weshop-sim, for integration tests:
// started with the test-mode environment, ready when /healthz answers, and
// an HTTP helper for its API.

#include "common/child_process.hpp"
#include "common/sim_process.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace weshopd::test {

struct api_reply {
  unsigned status = 0;
  boost::json::value body; // null unless the body is JSON
  std::string text;         // the body as it came
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

// A free TCP port on 127.0.0.1 (for a listener the test configures).
std::uint16_t free_port();

// One HTTP request to `base` ("http://127.0.0.1:P", or https trusting
// `ca_file`); a "Content-Type" header sets the body's type.
api_reply http_call(const std::string& base, const std::string& method, const std::string& path,
                    const std::string& body = "", std::vector<std::pair<std::string, std::string>> headers = {},
                    const std::string& ca_file = "");

class daemon_process {
public:
  // state_dir holds the database and daemon.log; images_dir is uploads.roots;
  // `prefix` runs the daemon through another program (e.g. unshare), which
  // gets the daemon's path as its last argument.
  daemon_process(const sim_process& sim, const sim_pki& pki, const std::string& state_dir,
                 const std::string& images_dir, std::vector<std::string> extra_env = {},
                 std::vector<std::string> prefix = {});

  const std::string& api() const { return api_; }
  pid_t pid() const { return process_->pid(); }
  int stop(int sig = SIGTERM) { return process_->stop(sig); }

  api_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                 std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}});
  // Polls until the job is terminal (or `timeout`); returns the last job seen.
  boost::json::value wait_terminal(const std::string& id, std::chrono::seconds timeout = std::chrono::seconds(30));

private:
  std::string api_;
  std::unique_ptr<child_process> process_;
};

} // namespace weshopd::test
