#include "common/daemon_process.hpp"

#include "common/run_sync.hpp"
#include "common/test_key.hpp"
#include "http/client.hpp"

#include <boost/asio/io_context.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <stdexcept>
#include <thread>

namespace weshopd::test {

namespace json = boost::json;

std::uint16_t free_port()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string api_reply::header(const std::string& name) const
{
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  return {};
}

daemon_process::daemon_process(const sim_process& sim, const sim_pki& pki, const std::string& state_dir,
                               const std::string& images_dir, std::vector<std::string> extra_env,
                               std::vector<std::string> prefix)
{
  // A test that needs the same address across restarts names it in extra_env.
  std::uint16_t port = 0;
  for (const auto& e : extra_env)
    if (e.starts_with("WESHOPD_API_LISTEN=127.0.0.1:"))
      port = static_cast<std::uint16_t>(std::stoi(e.substr(e.rfind(':') + 1)));
  if (!port)
    port = free_port();
  api_ = "http://127.0.0.1:" + std::to_string(port);
  // The test-mode defaults; an entry of extra_env with the same name wins.
  std::map<std::string, std::string> vars{{"WESHOP_API_KEY", test_api_key()},
                                          {"WESHOPD_UPSTREAM_TEST_ORIGIN", sim.endpoints().api},
                                          {"WESHOPD_UPSTREAM_CA_FILE", pki.ca},
                                          {"WESHOPD_STORE_PATH", state_dir + "/weshopd.db"},
                                          {"WESHOPD_UPLOADS_ROOTS", images_dir},
                                          // Tests make many identical jobs; the breaker's own test sets its limit.
                                          {"WESHOPD_BREAKER_IDENTICAL_REQUESTS", "1000000"}};
  for (const auto& e : extra_env)
    vars[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
  vars["WESHOPD_API_LISTEN"] = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> env;
  for (const auto& [name, value] : vars)
    env.push_back(name + "=" + value);
  prefix.push_back(WESHOPD_BINARY);
  process_ = std::make_unique<child_process>(prefix, env, state_dir + "/daemon.log");
  for (int i = 0; i < 200; ++i) {
    try {
      if (call("GET", "/healthz").status == 200)
        return;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("weshopd did not become ready; see " + state_dir + "/daemon.log");
}

api_reply daemon_process::call(const std::string& method, const std::string& path, const std::string& body,
                               std::vector<std::pair<std::string, std::string>> headers)
{
  return http_call(api_, method, path, body, std::move(headers));
}

api_reply http_call(const std::string& base, const std::string& method, const std::string& path,
                    const std::string& body, std::vector<std::pair<std::string, std::string>> headers,
                    const std::string& ca_file)
{
  boost::asio::io_context io;
  http::client c(io.get_executor(), {.ca_file = ca_file, .total_timeout = std::chrono::seconds(90)});
  http::request req;
  req.method = method;
  req.url = base + path;
  req.body = body;
  for (auto& [k, v] : headers) {
    if (k == "Content-Type")
      req.content_type = v;
    else
      req.headers.push_back({k, v});
  }
  const auto r = run_sync(io, c.fetch(std::move(req)));
  if (!r && r.failure != http::failure_kind::redirect)
    throw std::runtime_error(method + " " + path + ": " + r.message);
  api_reply reply;
  reply.status = r.resp.status;
  for (const auto& h : r.resp.headers)
    reply.headers.emplace_back(h.name, h.value);
  boost::system::error_code ec;
  reply.text = r.resp.body;
  reply.body = r.resp.body.empty() ? json::value() : json::parse(r.resp.body, ec);
  return reply;
}

json::value daemon_process::wait_terminal(const std::string& id, std::chrono::seconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json::value job;
  while (std::chrono::steady_clock::now() < deadline) {
    job = call("GET", "/v1/jobs/" + id + "?wait=5").body;
    const auto state = job.at("state").as_string();
    if (state == "succeeded" || state == "failed" || state == "canceled")
      break;
  }
  return job;
}

} // namespace weshopd::test
