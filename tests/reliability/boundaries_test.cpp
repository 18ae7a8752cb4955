// Trust boundaries against a real weshopd: a local file swapped under it
// (a PNG, a symlink to a secret, a FIFO) while jobs are made from it and
// their inputs read back; files that are not regular images; waiting clients
// (event streams, long-polls) past their cap; the uploads folder's quota.

#include "common/daemon_fixture.hpp"
#include "common/loopback_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

using namespace weshopd;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// The first bytes a server sends on `fd` (up to `n`), within 5 s.
std::string read_some(int fd, std::size_t n = 4096)
{
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out(n, '\0');
  const auto got = ::recv(fd, out.data(), out.size(), 0);
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

class Boundaries : public test::Daemon {
protected:
  std::string secret_ = [] {
    std::random_device rd;
    return "TOP-SECRET-" + std::to_string(rd()) + std::to_string(rd());
  }();

  std::string job_on(const std::string& path)
  {
    return job_body("aipose", R"({"textDescription":"sit","batchCount":1})", path);
  }

  // The median time (ms) of 21 GET /v1/jobs/{id}, each on a fresh connection.
  double p50_of_gets(const std::string& id)
  {
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id).status, 200u);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[10];
  }

  // Every file weshopd wrote (its database, log and copies), as one string.
  std::string everything_written()
  {
    std::string all;
    for (const auto& f : fs::recursive_directory_iterator(dir_.path())) {
      const auto name = f.path().filename().string();
      const bool ours = name.starts_with("weshopd.db") || name == "daemon.log" || f.path().parent_path().filename() == "uploads";
      if (ours && !f.is_symlink() && f.is_regular_file())
        all += test::read_file(f.path());
    }
    return all;
  }
};

TEST_F(Boundaries, ASwappedFileNeverLeaksTheSecretOrTheKeyAndNeverFreezesTheDaemon)
{
  start({"--pending-ms", "20", "--segmenting-ms", "20", "--running-ms", "50"});
  const auto secret_file = dir_.file("secret.txt");
  std::ofstream(secret_file) << secret_;
  const auto path = images_ + "/swap.png";
  const auto seconds = std::chrono::seconds(15);
  const auto until = std::chrono::steady_clock::now() + seconds;
  std::atomic<bool> done{false};

  // The attacker: replaces the file, atomically, as fast as it can.
  std::thread swapper([&] {
    const auto tmp = images_ + "/.swap-tmp";
    for (std::uint64_t i = 0; !done; ++i) {
      std::error_code ec;
      fs::remove(tmp, ec);
      switch (i % 4) {
      case 0: std::ofstream(tmp, std::ios::binary) << test::png << i; break;
      case 1: fs::create_symlink(secret_file, tmp, ec); break;
      case 2: fs::create_symlink("/proc/self/environ", tmp, ec); break;
      case 3: ::mkfifo(tmp.c_str(), 0600); break;
      }
      fs::rename(tmp, path, ec);
    }
  });
  // A watcher: /healthz answers within a second all along.
  std::atomic<long> slowest_health_ms{0};
  std::atomic<int> health_failures{0};
  std::thread watcher([&] {
    while (!done) {
      const auto t0 = std::chrono::steady_clock::now();
      if (daemon_->call("GET", "/healthz").status != 200)
        ++health_failures;
      const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      slowest_health_ms = std::max(slowest_health_ms.load(), ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  std::vector<std::string> ids;
  int refused = 0, other = 0;
  std::string answers; // every body weshopd sent
  while (std::chrono::steady_clock::now() < until) {
    const auto r = post_job(job_on(path));
    answers += r.text;
    if (r.status == 201) {
      const std::string id(r.body.at("id").as_string());
      ids.push_back(id);
      answers += daemon_->call("GET", "/v1/jobs/" + id + "/inputs/originalImage").text;
    } else if (r.status == 422) {
      ++refused;
    } else {
      ++other;
    }
  }
  done = true;
  swapper.join();
  watcher.join();
  std::cout << "[ figures  ] " << ids.size() << " jobs accepted, " << refused << " refused; slowest /healthz "
            << slowest_health_ms << " ms\n";
  EXPECT_EQ(other, 0) << "only 201 or 422";
  EXPECT_GE(ids.size(), 3u) << "some swaps land on the PNG";
  EXPECT_GE(refused, 3) << "and some on the link or the FIFO";
  EXPECT_EQ(health_failures, 0);
  EXPECT_LT(slowest_health_ms, 1000);

  // Every job ends; what went to WeShop is a PNG we wrote, never the secret.
  for (const auto& id : ids) {
    const auto j = daemon_->wait_terminal(id, std::chrono::seconds(60));
    ASSERT_EQ(j.at("state"), "succeeded") << json::serialize(j);
    const std::string uploaded(j.at("input").at("originalImage").as_string());
    const auto sent = test::http_call(uploaded.substr(0, uploaded.find("/uploads/")), "GET",
                                      uploaded.substr(uploaded.find("/uploads/")), "", {}, pki_.ca);
    ASSERT_EQ(sent.status, 200u);
    EXPECT_TRUE(sent.text.starts_with(test::png)) << "only our PNGs reach WeShop";
    const auto shown = daemon_->call("GET", "/v1/jobs/" + id + "/inputs/originalImage");
    EXPECT_EQ(shown.text, sent.text) << "the input shown is the one uploaded";
    answers += json::serialize(j) + shown.text;
  }
  for (const auto& needle : {secret_, test::test_api_key()}) {
    EXPECT_EQ(answers.find(needle), std::string::npos) << "an answer leaked " << needle;
    EXPECT_EQ(everything_written().find(needle), std::string::npos) << "a file weshopd wrote holds " << needle;
  }
}

TEST_F(Boundaries, FilesThatAreNotRegularImagesAreRefusedAtOnce)
{
  start();
  ASSERT_EQ(::mkfifo((images_ + "/fifo.png").c_str(), 0600), 0);
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", (images_ + "/sock.png").c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const bool have_device = ::mknod((images_ + "/null.png").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0;
  fs::create_directory(images_ + "/folder.png");
  std::ofstream(images_ + "/huge.png", std::ios::binary) << test::png << std::string(33 * 1024 * 1024, 'x');
  fs::create_symlink(dir_.file("daemon.log"), images_ + "/link.png");

  std::vector<std::pair<std::string, std::string>> cases{
    {"fifo.png", "is a FIFO, not a regular file"},     {"sock.png", "is not a regular file"},
    {"folder.png", "is a folder, not a regular file"}, {"huge.png", "is larger than 33554432 bytes"},
    {"link.png", "is a symbolic link (links are not followed)"}};
  if (have_device)
    cases.emplace_back("null.png", "is a device, not a regular file");
  for (const auto& [name, problem] : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = post_job(job_on(images_ + "/" + name));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2)) << name;
    EXPECT_EQ(r.status, 422u) << name << ": " << r.text;
    const auto& d = r.body.at("error").at("details").as_array();
    ASSERT_EQ(d.size(), 1u) << r.text;
    EXPECT_EQ(d[0].at("field"), "/input/originalImage");
    EXPECT_EQ(d[0].at("message").as_string(), problem) << name;
  }
  ::close(s);
  EXPECT_EQ(job_count(), 0u) << "nothing was made";
  EXPECT_EQ(daemon_->call("GET", "/healthz").status, 200u);
}

TEST_F(Boundaries, WaitingClientsPastTheirCapAre503AndPlainRequestsStayFast)
{
  daemon_env_ = {"WESHOPD_LIMITS_MAX_STREAMS=300"}; // heartbeats every 15 s: slots must not wait for them
  start({"--pending-ms", "60000"}); // runs that never end: streams stay open
  const auto made = post_job(job_body("aipose", R"({"textDescription":"sit"})"));
  ASSERT_EQ(made.status, 201u);
  const std::string id(made.body.at("id").as_string());

  const auto calm = p50_of_gets(id);
  std::vector<int> streams;
  for (int i = 0; i < 300; ++i) {
    const int fd = test::connect_loopback(test::port_of(daemon_->api()));
    ASSERT_GE(fd, 0);
    const std::string req = i % 2 ? "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                  : "GET /v1/jobs/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    ASSERT_TRUE(read_some(fd, 12).starts_with("HTTP/1.1 200")) << "stream " << i;
    streams.push_back(fd);
  }
  // Every slot is taken: another stream or long-poll is refused, not queued.
  const auto stream = daemon_->call("GET", "/v1/events");
  EXPECT_EQ(stream.status, 503u);
  EXPECT_EQ(stream.body.at("error").at("code"), "overloaded");
  EXPECT_EQ(stream.header("Retry-After"), "5");
  EXPECT_EQ(daemon_->call("GET", "/v1/jobs/" + id + "?wait=5").status, 503u);

  // A plain request is still served within 100 ms, about as fast as with no
  // stream open (under ASan everything is slower: the calm figure is the reference).
  const auto beside_streams = p50_of_gets(id);
  std::cout << "[ figures  ] GET /v1/jobs/{id}: p50 " << calm << " ms with no stream open, " << beside_streams
            << " ms beside 300 open streams\n";
#ifdef __SANITIZE_ADDRESS__
  EXPECT_LT(beside_streams, calm + 100.0);
#else
  EXPECT_LT(beside_streams, 100.0);
#endif

  // A slot comes back as soon as its client closes the stream.
  ::close(streams.back());
  streams.pop_back();
  const auto closed_at = std::chrono::steady_clock::now();
  bool served = false;
  while (!served && std::chrono::steady_clock::now() - closed_at < std::chrono::seconds(10)) {
    served = daemon_->call("GET", "/v1/jobs/" + id + "?wait=1").status == 200;
    if (!served)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(served);
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, std::chrono::seconds(3)) << "not at the next heartbeat (15 s)";
  for (const int fd : streams)
    ::close(fd);
}

TEST_F(Boundaries, TheUploadsFolderKeepsToItsQuota)
{
  daemon_env_ = {"WESHOPD_UPLOADS_MAX_TOTAL_BYTES=5000"};
  start();
  const auto files_in_uploads = [&] { return std::distance(fs::directory_iterator(dir_.file("uploads")), {}); };
  const auto first = daemon_->call("POST", "/v1/uploads", test::png, {{"Content-Type", "image/png"}});
  ASSERT_EQ(first.status, 201u) << first.text;
  const auto big = test::png + std::string(4000, 'b');
  const auto over = daemon_->call("POST", "/v1/uploads", big, {{"Content-Type", "image/png"}});
  EXPECT_EQ(over.status, 507u) << over.text;
  EXPECT_EQ(over.body.at("error").at("code"), "insufficient_storage");
  EXPECT_EQ(files_in_uploads(), 1) << "nothing written";

  // A job's local file is copied into the same folder: over the quota, no job.
  std::ofstream(images_ + "/big.png", std::ios::binary) << big;
  const auto job = post_job(job_on(images_ + "/big.png"));
  EXPECT_EQ(job.status, 507u) << job.text;
  EXPECT_EQ(job_count(), 0u);
  EXPECT_EQ(files_in_uploads(), 1);
  std::ofstream(images_ + "/small.png", std::ios::binary) << test::png << "other";
  const auto small = post_job(job_on(images_ + "/small.png"));
  EXPECT_EQ(small.status, 201u) << small.text;
  EXPECT_EQ(files_in_uploads(), 2);
}

} // namespace
