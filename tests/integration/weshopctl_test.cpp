// weshopctl as people and scripts use it: the real binary against a real
// weshopd + weshop-sim, its output and exit codes (0 done, 1 job failed,
// 2 usage, 3 unreachable), the token and the unix socket, and `watch` in a
// real terminal (tmux) as well as in a pipe.

#include "common/daemon_fixture.hpp"
#include "common/sha256.hpp"
#include "common/zip_entries.hpp"
#include "common/shell_run.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>

using namespace weshopd;
namespace json = boost::json;
using test::Daemon;

namespace {

using test::tool_run;

class Weshopctl : public Daemon {
protected:
  std::string api_env_; // WESHOPD_API=...

  // Runs weshopctl (from `cwd`) with its arguments, as a shell would.
  tool_run ctl(const std::string& args, const std::string& cwd = ".")
  {
    const auto err_file = dir_.file("ctl.err");
    return test::shell_run("cd " + cwd + " && " + api_env_ + " " + WESHOPCTL_BINARY + " " + args, err_file);
  }

  void start_with_ctl()
  {
    start();
    api_env_ = "WESHOPD_API=" + daemon_->api();
  }

  std::string tmux(const std::string& args)
  {
    std::string out;
    FILE* p = ::popen(("tmux -L weshopctl-test " + args + " 2>&1").c_str(), "r");
    char chunk[4096];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, p)) > 0;)
      out.append(chunk, n);
    ::pclose(p);
    return out;
  }
};

std::size_t count_of(const std::string& text, const std::string& what)
{
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_F(Weshopctl, SubmitWaitStatusListDownloadAndTheirExitCodes)
{
  start_with_ctl();
  // A relative local path: weshopctl makes it absolute, weshopd uploads it.
  const auto ok = ctl("submit aipose --image ./shirt.png --param textDescription=sit --param batchCount=2 --wait --json",
                      images_);
  ASSERT_EQ(ok.exit, 0) << ok.err;
  const auto job = json::parse(ok.out).as_object();
  EXPECT_EQ(job.at("state"), "succeeded");
  EXPECT_NE(job.at("input").at("originalImage").as_string().find("/uploads/"), std::string::npos)
    << "the local file was uploaded: " << json::serialize(job);
  EXPECT_EQ(sim_->stats().at("uploads"), 1);
  EXPECT_EQ(job.at("params").at("batchCount"), 2) << "a value that parses as JSON is sent as JSON";
  const std::string id(job.at("id").as_string());

  const auto status = ctl("status " + id);
  EXPECT_EQ(status.exit, 0);
  EXPECT_NE(status.out.find("state     succeeded"), std::string::npos) << status.out;

  const auto listed = ctl("list --state succeeded");
  EXPECT_EQ(listed.exit, 0);
  EXPECT_EQ(count_of(listed.out, id), 1u) << listed.out;
  EXPECT_EQ(ctl("list --state running --json").out, "");

  // The sim's image host is on loopback: refused unless allowed.
  const auto refused = ctl("download " + id + " --dir " + dir_.file("out") + " --ca-file " + pki_.ca);
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("address_not_allowed"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out/" + id + "-0.png")));
  const auto bad = ctl("download " + id + " --outbound-allow 127.0.0.1/8");
  EXPECT_EQ(bad.exit, 2);
  EXPECT_NE(bad.err.find("127.0.0.1/8"), std::string::npos) << bad.err;
  const auto saved = ctl("download " + id + " --dir " + dir_.file("out") + " --ca-file " + pki_.ca +
                         " --outbound-allow 127.0.0.1/32");
  ASSERT_EQ(saved.exit, 0) << saved.err;
  for (int n = 0; n < 2; ++n) {
    const auto file = dir_.file("out/" + id + "-" + std::to_string(n) + ".png");
    EXPECT_NE(saved.out.find(file), std::string::npos) << saved.out;
    EXPECT_TRUE(test::read_file(file).starts_with("\x89PNG")) << file;
  }

  const auto again = ctl("cancel " + id);
  EXPECT_EQ(again.exit, 1) << "a finished job cannot be canceled";
  EXPECT_NE(again.err.find("409"), std::string::npos) << again.err;

  const auto failing = ctl("submit aipose --image https://x.test/a.png --task sim:fail --param textDescription=x --wait");
  EXPECT_EQ(failing.exit, 1) << failing.out << failing.err;
  EXPECT_NE(failing.out.find("state     failed"), std::string::npos) << failing.out;

  const auto invalid = ctl("submit aipose --image https://x.test/a.png --param textDescription=x --param batchCount=0");
  EXPECT_EQ(invalid.exit, 2);
  EXPECT_NE(invalid.err.find("/params/batchCount"), std::string::npos) << invalid.err;
  EXPECT_EQ(ctl("submit aipose --image ./missing.png").exit, 2);
  EXPECT_EQ(ctl("status 01a216b4-3194-74ba-a0cf-943f8ad4dd6d").exit, 1) << "no such job";
  EXPECT_EQ(ctl("status").exit, 2) << "the id is required";
  EXPECT_EQ(ctl("frobnicate").exit, 2);
  EXPECT_EQ(ctl("--help").exit, 0);
  for (const auto* command : {"submit", "status", "list", "cancel", "watch", "agents", "download"}) {
    const auto help = ctl(std::string(command) + " --help");
    EXPECT_EQ(help.exit, 0) << command;
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << command << ":\n" << help.out;
  }
  EXPECT_NE(ctl("submit --help").out.find("--param"), std::string::npos);
  EXPECT_EQ(ctl("agents").exit, 0);
  EXPECT_EQ(count_of(ctl("agents --json").out, "\"purpose\""), 6u);

  const auto away = ctl("--api http://127.0.0.1:1 status " + id);
  EXPECT_EQ(away.exit, 3);
  EXPECT_NE(away.err.find("cannot reach"), std::string::npos) << away.err;
  EXPECT_EQ(job_count(), 2u) << "refused requests made no job";
}

TEST_F(Weshopctl, UsesTheTokenAndTheUnixSocket)
{
  const std::string token = "ctl-token-0123456789abcdef";
  std::ofstream(dir_.file("api-token")) << token << "\n";
  const auto socket = dir_.file("api.sock");
  daemon_env_ = {"WESHOPD_API_TOKEN_FILE=" + dir_.file("api-token"), "WESHOPD_API_UNIX_SOCKET=" + socket};
  start_with_ctl();
  const auto refused = ctl("list");
  EXPECT_EQ(refused.exit, 3);
  EXPECT_NE(refused.err.find("unauthorized"), std::string::npos) << refused.err;
  api_env_ += " WESHOPD_API_TOKEN_FILE=" + dir_.file("api-token");
  const auto made = ctl("submit aipose --image https://x.test/a.png --param textDescription=x");
  ASSERT_EQ(made.exit, 0) << made.err;
  const auto id = made.out.substr(0, made.out.find('\n'));
  const auto over_socket = ctl("--api unix:" + socket + " watch " + id);
  EXPECT_EQ(over_socket.exit, 0) << over_socket.err;
  EXPECT_NE(over_socket.out.find(id + " succeeded"), std::string::npos) << over_socket.out;
}

TEST_F(Weshopctl, WatchDrawsOneLivingLinePerJobInATerminalAndPlainLinesInAPipe)
{
  start_with_ctl();
  tmux("kill-server");
  tmux("new-session -d -s watch -x 150 -y 30 '" + api_env_ + " " + WESHOPCTL_BINARY + " watch; sleep 60'");
  // Jobs are posted once the display follows the stream: its connection
  // shows in /metrics beside the scrape's own.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (daemon_->call("GET", "/metrics").text.find("weshopd_http_open_connections{listener=\"api\"} 2") ==
           std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<std::string> ids;
  for (const auto* text : {"one", "two", "three"}) {
    const auto r = post_job(job_body("aipose", std::string(R"({"textDescription":")") + text + "\"}"));
    ASSERT_EQ(r.status, 201u);
    ids.emplace_back(r.body.at("id").as_string());
  }
  std::string screen;
  for (;;) {
    screen = tmux("capture-pane -p -t watch");
    if (count_of(screen, "ok succeeded") == ids.size() || std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  tmux("kill-server");
  EXPECT_EQ(count_of(screen, "[######] ok succeeded"), ids.size()) << screen;
  for (const auto& id : ids)
    EXPECT_EQ(count_of(screen, id), 1u) << "each job's line is redrawn in place:\n" << screen;

  // In a pipe: one plain line per event, ending with the job.
  const auto plain = ctl("watch " + ids[0]);
  EXPECT_EQ(plain.exit, 0);
  EXPECT_EQ(plain.out.find("\x1b"), std::string::npos) << "no terminal codes in a pipe";
  EXPECT_NE(plain.out.find(ids[0] + " queued"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find(ids[0] + " succeeded"), std::string::npos) << plain.out;
}

// weshopctl batch: a directory of images in, one id to follow, the results
// out named after the inputs; the same command twice makes one batch.
// A studio's real workload: a folder of 1,000 photos in, one batch id, its
// manifest, the ZIP of the copies and a folder of named results out.
TEST_F(Weshopctl, AThousandPhotoBatchFromADirectoryToItsManifestZipAndNamedResults)
{
  // Copies of the results (the sim serves them on loopback), and polls as fast as the sim answers.
  daemon_env_ = {"WESHOPD_OUTBOUND_ALLOW=127.0.0.1/32", "WESHOPD_ENGINE_POLLS_PER_SECOND=2000",
                 "WESHOPD_ENGINE_POLL_INITIAL_MS=200", "WESHOPD_ENGINE_MAX_CONCURRENT_POLLS=64"};
  start_with_ctl();
  const auto photos = images_ + "/season";
  std::filesystem::create_directories(photos);
  constexpr int count = 1000;
  const auto stem_of = [](std::int64_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "look%04d", static_cast<int>(i));
    return std::string(name);
  };
  for (int i = 0; i < count; ++i) // distinct bytes: distinct uploads and keys
    std::ofstream(photos + "/" + stem_of(i) + ".png", std::ios::binary) << test::png << i;
  std::ofstream(photos + "/notes.txt") << "not an image";

  const std::string command = "batch submit aipose --param textDescription=sit --param batchCount=1 " + photos;
  const auto first = ctl(command + " --wait");
  ASSERT_EQ(first.exit, 0) << first.out << first.err;
  const auto id = first.out.substr(0, first.out.find('\n'));
  EXPECT_NE(first.out.find(id + " succeeded 1000/1000 finished: succeeded 1000"), std::string::npos)
    << "a pipe gets plain lines, the last the end:\n" << first.out.substr(first.out.size() > 2000 ? first.out.size() - 2000 : 0);

  const auto again = ctl(command);
  ASSERT_EQ(again.exit, 0) << again.err;
  EXPECT_EQ(again.out, id + "\n") << "the same images, agent and params: the same batch";
  const auto batches = daemon_->call("GET", "/v1/batches").body.at("batches").as_array();
  ASSERT_EQ(batches.size(), 1u) << "no second batch";
  const auto& batch = batches.at(0);
  EXPECT_EQ(batch.at("counts").at("succeeded"), count);
  EXPECT_EQ(batch.at("images").at("produced"), count);
  EXPECT_EQ(batch.at("cost").at("expected").as_double(), double(count));
  EXPECT_EQ(batch.at("cost").at("actual").as_double(), double(count));
  EXPECT_EQ(sim_->stats().at("runs_created"), count);

  const auto status = ctl("batch status " + id);
  EXPECT_EQ(status.exit, 0);
  EXPECT_NE(status.out.find("state     succeeded"), std::string::npos) << status.out;
  const auto listed = ctl("batch list");
  EXPECT_NE(listed.out.find(id + " succeeded 1000/1000"), std::string::npos) << listed.out << listed.err;

  // The manifest: a line per item in order, each with its copy's sha256 (once every copy is made).
  std::vector<json::value> lines;
  ASSERT_TRUE(test::eventually([&] {
    lines.clear();
    const auto manifest = daemon_->call("GET", "/v1/batches/" + id + "/results").text;
    std::istringstream in(manifest);
    for (std::string line; std::getline(in, line);)
      lines.push_back(json::parse(line));
    return lines.size() == std::size_t(count) &&
           std::all_of(lines.begin(), lines.end(), [](const json::value& l) {
             return l.at("results").as_array().size() == 1 && l.at("results").at(0).as_object().contains("sha256");
           });
  }, std::chrono::seconds(60))) << "every item's result copied";
  // The ZIP: one entry per result, named after its input, with the copy's bytes.
  const auto zip = daemon_->call("GET", "/v1/batches/" + id + "/archive");
  ASSERT_EQ(zip.status, 200u) << zip.text.substr(0, 300);
  const auto entries = test::zip_entries(zip.text);
  ASSERT_EQ(entries.size(), std::size_t(count));
  for (const auto& line : lines) {
    const auto index = line.at("index").as_int64();
    EXPECT_EQ(line.at("name"), json::value(stem_of(index) + ".png"));
    EXPECT_EQ(line.at("state"), "succeeded");
    const auto entry = entries.find(stem_of(index) + "-1.png");
    ASSERT_NE(entry, entries.end()) << stem_of(index);
    EXPECT_EQ(json::value(entry->second), line.at("results").at(0).at("sha256")) << stem_of(index);
  }
  // The copies hold what weshopd serves as the results (a sample: every 100th item).
  for (std::size_t i = 0; i < lines.size(); i += 100) {
    const auto local = std::string(lines[i].at("results").at(0).at("localUrl").as_string());
    EXPECT_EQ(sha256_hex(daemon_->call("GET", local).text), entries.at(stem_of(std::int64_t(i)) + "-1.png"));
  }

  // weshopctl's download: every item's result, named after it, with the bytes the result hosts serve.
  const auto out = dir_.file("downloaded"); // (results/ beside the database holds weshopd's own copies)
  const auto saved = ctl("batch download " + id + " --dir " + out + " --ca-file " + pki_.ca + " --outbound-allow 127.0.0.1/32");
  ASSERT_EQ(saved.exit, 0) << saved.err;
  EXPECT_EQ(count_of(saved.out, "\n"), std::size_t(count)) << saved.out.substr(0, 400);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out), {}), count) << "no leftover .part files";
  for (std::size_t i = 0; i < lines.size(); i += 100)
    EXPECT_EQ(sha256_hex(test::read_file(out + "/" + stem_of(std::int64_t(i)) + "-1.png")),
              entries.at(stem_of(std::int64_t(i)) + "-1.png"));
}
