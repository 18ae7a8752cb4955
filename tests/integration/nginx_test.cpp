// deploy/nginx/weshopd-callbacks.conf in a real nginx (Debian's), on
// loopback with TLS from the test's CA: weshop-sim calls back through it,
// nothing but /callbacks/weshop/ gets through, a big body stops at nginx, and
// the access log keeps no token.

#include "common/daemon_fixture.hpp"

#include <regex>
#include <thread>

using namespace weshopd;

namespace {

class Nginx : public test::Daemon {
protected:
  std::string proxy_;  // "https://127.0.0.1:P": what WeShop would call
  std::unique_ptr<test::child_process> nginx_;

  ~Nginx() override
  {
    if (HasFailure())
      std::cerr << "---- nginx error.log ----\n" << test::read_file(dir_.file("nginx/error.log")) << "\n";
  }

  // The site file with its EDIT lines pointed at this test's ports and files.
  std::string site(std::uint16_t port, std::uint16_t callbacks_port)
  {
    auto text = test::read_file(WESHOPD_SOURCE_DIR "/deploy/nginx/weshopd-callbacks.conf");
    const auto edit = [&](const std::string& pattern, const std::string& replacement) {
      const std::regex re(pattern);
      EXPECT_TRUE(std::regex_search(text, re)) << pattern;
      text = std::regex_replace(text, re, replacement);
    };
    const auto dir = dir_.file("nginx");
    edit(R"(server 127\.0\.0\.1:8788;)", "server 127.0.0.1:" + std::to_string(callbacks_port) + ";");
    edit(R"(listen 443 ssl;)", "listen 127.0.0.1:" + std::to_string(port) + " ssl;");
    edit(R"(ssl_certificate /\S+;)", "ssl_certificate " + pki_.cert + ";");
    edit(R"(ssl_certificate_key /\S+;)", "ssl_certificate_key " + pki_.key + ";");
    edit(R"(access_log /\S+ )", "access_log " + dir + "/access.log ");
    edit(R"(error_log /\S+ crit;)", "error_log " + dir + "/site-error.log crit;");
    return text;
  }

  void start_stack()
  {
    const auto port = test::free_port();
    const auto callbacks_port = test::free_port();
    proxy_ = "https://127.0.0.1:" + std::to_string(port);
    const auto dir = dir_.file("nginx");
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/site.conf") << site(port, callbacks_port);
    std::ofstream(dir + "/nginx.conf") << "pid " << dir << "/nginx.pid;\n"
                                       << "events { worker_connections 256; }\n"
                                       << "http {\n"
                                       << "  client_body_temp_path " << dir << "/body;\n"
                                       << "  proxy_temp_path " << dir << "/proxy;\n"
                                       << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
                                       << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
                                       << "  scgi_temp_path " << dir << "/scgi;\n"
                                       << "  include " << dir << "/site.conf;\n"
                                       << "}\n";
    nginx_ = std::make_unique<test::child_process>(
      std::vector<std::string>{"/usr/sbin/nginx", "-p", dir, "-e", dir + "/error.log", "-c", dir + "/nginx.conf", "-g",
                               "daemon off; master_process off;"},
      std::vector<std::string>{}, dir + "/stderr.log");

    daemon_env_ = {"WESHOPD_CALLBACKS_LISTEN=127.0.0.1:" + std::to_string(callbacks_port),
                   "WESHOPD_CALLBACKS_PUBLIC_BASE_URL=" + proxy_, "WESHOPD_CALLBACKS_TRUSTED_PROXIES=127.0.0.1"};
    start({"--pending-ms", "50", "--segmenting-ms", "50", "--running-ms", "100", "--callbacks", "once"});
    for (int i = 0; i < 200; ++i) {
      try {
        call_proxy("GET", "/");
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
    FAIL() << "nginx did not start: " << test::read_file(dir + "/stderr.log") << test::read_file(dir + "/error.log");
  }

  test::api_reply call_proxy(const std::string& method, const std::string& path, const std::string& body = "")
  {
    return test::http_call(proxy_, method, path, body, {{"Content-Type", "application/json"}}, pki_.ca);
  }
};

TEST_F(Nginx, CallbacksComeThroughAndNothingElseDoes)
{
  start_stack();
  ASSERT_FALSE(HasFailure());

  // The sim calls https://127.0.0.1:P/callbacks/weshop/<job>/<token>; nginx passes it on.
  const auto r = post_job(job_body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1})"));
  ASSERT_EQ(r.status, 201u);
  const std::string id(r.body.at("id").as_string());
  EXPECT_EQ(daemon_->wait_terminal(id, std::chrono::seconds(15)).at("state"), "succeeded");
  EXPECT_EQ(daemon_->call("GET", "/healthz").body.at("callbacks").at("accepted"), 1);
  EXPECT_EQ(sim_->stats().at("requests").at("run"), 1) << "only the callback's re-fetch: no poll was needed";

  // The local API is not behind the proxy, whatever the method.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/jobs"}, {"POST", "/v1/jobs"}, {"GET", "/v1/jobs/" + id}, {"GET", "/healthz"}, {"GET", "/"}}) {
    const auto got = call_proxy(method, path, method == "POST" ? "{}" : "");
    EXPECT_EQ(got.status, 404u) << method << " " << path;
    EXPECT_EQ(got.text.find("\"jobs\""), std::string::npos);
  }
  // Through the proxy, a forged callback is weshopd's 404; a huge one never reaches it.
  EXPECT_EQ(call_proxy("POST", "/callbacks/weshop/" + id + "/forged").status, 404u);
  EXPECT_EQ(call_proxy("POST", "/callbacks/weshop/" + id + "/forged", std::string(200 * 1024, 'x')).status, 413u);
  EXPECT_EQ(call_proxy("GET", "/callbacks/weshop/" + id + "/forged").status, 405u);
  EXPECT_EQ(daemon_->call("GET", "/healthz").body.at("callbacks").at("forged"), 1) << "the big one stopped at nginx";

  // The access log has every callback, without its token.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto log = test::read_file(dir_.file("nginx/access.log"));
  EXPECT_NE(log.find("\"POST /callbacks/weshop/" + id + "/-\" 204"), std::string::npos) << log;
  EXPECT_EQ(log.find("forged"), std::string::npos) << log;
  const std::regex token_shaped("/callbacks/weshop/[^/ ]+/[A-Za-z0-9_-]{20,}");
  EXPECT_FALSE(std::regex_search(log, token_shaped)) << log;
  // weshopd saw the client through the trusted proxy's X-Forwarded-For.
  EXPECT_NE(test::read_file(dir_.file("daemon.log")).find("verdict=accepted job=" + id + " client=127.0.0.1"),
            std::string::npos);
}

} // namespace
