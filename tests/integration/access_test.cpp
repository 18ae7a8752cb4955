// Who may use the local API: with api.token_file every route but /healthz
// needs the bearer token (a refused request stores nothing); with
// api.unix_socket the API is also on a socket file of mode 0660.

#include "common/daemon_fixture.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

using namespace weshopd;

namespace {

// One request over a unix socket; the raw response.
std::string over_unix(const std::string& path, const std::string& request)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

const std::string token = "local-token-0123456789abcdef";

class Access : public test::Daemon {};

TEST_F(Access, ATokenGuardsEveryRouteButHealthAndTheUnixSocketToo)
{
  std::ofstream(dir_.file("api-token")) << token << "\n";
  const auto socket = dir_.file("api.sock");
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("api-token"), "WESHOPD_API_UNIX_SOCKET=" + socket};
  start();

  const auto body = job_body("aipose", R"({"textDescription":"sit","batchCount":1})");
  for (const auto& auth : std::vector<std::string>{"", "Bearer wrong-token-0123456789abcd", "Bearer " + token + "x",
                                                   token, "Basic " + token}) {
    std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/json"}};
    if (!auth.empty())
      h.emplace_back("Authorization", auth);
    const auto r = daemon_->call("POST", "/v1/jobs", body, h);
    EXPECT_EQ(r.status, 401u) << auth;
    EXPECT_EQ(r.body.at("error").at("code"), "unauthorized");
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
  }
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs").status, 401u);
  EXPECT_EQ(daemon_->call("GET", "/v1/agents").status, 401u);
  EXPECT_EQ(daemon_->call("GET", "/healthz").status, 200u);

  const std::vector<std::pair<std::string, std::string>> good{{"Content-Type", "application/json"},
                                                             {"Authorization", "Bearer " + token}};
  const auto created = daemon_->call("POST", "/v1/jobs", body, good);
  ASSERT_EQ(created.status, 201u);
  const auto list = daemon_->call("GET", "/v1/jobs", "", good);
  EXPECT_EQ(list.body.at("jobs").as_array().size(), 1u) << "the refused requests stored nothing";

  struct stat st{};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  const auto id = std::string(created.body.at("id").as_string());
  EXPECT_NE(over_unix(socket, "GET /v1/jobs/" + id + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find(" 401 "),
            std::string::npos);
  const auto ok = over_unix(socket, "GET /v1/jobs/" + id + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                                      "\r\nConnection: close\r\n\r\n");
  EXPECT_NE(ok.find("HTTP/1.1 200 "), std::string::npos) << ok;
  EXPECT_NE(ok.find(id), std::string::npos);

  ASSERT_EQ(daemon_->stop(), 0);
  EXPECT_FALSE(std::filesystem::exists(socket)) << "a clean stop removes the socket file";
}

TEST_F(Access, AKeyFileOthersCanReadIsRefusedAndTheKeyIsNeverOnTheCommandLine)
{
  const auto home = dir_.file("home");
  std::filesystem::create_directories(home + "/.config/weshop");
  const auto credentials = home + "/.config/weshop/credentials.json";
  std::ofstream(credentials) << R"({"api_key": ")" << test::test_api_key() << R"("})";
  std::filesystem::permissions(credentials, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                              std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  test::child_process refused({WESHOPD_BINARY},
                              {"HOME=" + home, "WESHOP_API_KEY=", "WESHOPD_STORE_PATH=" + dir_.file("refused.db"),
                               "WESHOPD_API_LISTEN=127.0.0.1:0"},
                              dir_.file("refused.log"));
  const int status = refused.stop(0); // signal 0: just wait for it to exit
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "it must not start";
  const auto text = test::read_file(dir_.file("refused.log"));
  EXPECT_NE(text.find("chmod 600"), std::string::npos) << text;
  EXPECT_EQ(text.find(test::test_api_key()), std::string::npos);

  start(); // the usual way: the key in the environment, never in argv
  const auto args = test::read_file("/proc/" + std::to_string(daemon_->pid()) + "/cmdline");
  EXPECT_FALSE(args.empty());
  EXPECT_EQ(args.find(test::test_api_key()), std::string::npos);
}

} // namespace
