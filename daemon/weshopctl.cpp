// weshopctl: weshopd's command line, for people and scripts. Talks to the
// local API (TCP or unix socket) with the same bearer token as any client.
// Exit codes: see lib/cli/commands.hpp (0 done, 1 job failed, 2 usage, 3 unreachable).

#include "cli/commands.hpp"
#include "http/address_policy.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace {

using namespace weshopd;

std::string environment(const char* name)
{
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::vector<std::string> comma_separated(const std::string& text)
{
  std::vector<std::string> items;
  std::size_t start = 0;
  for (auto comma = text.find(','); start <= text.size(); comma = text.find(',', start)) {
    if (auto item = text.substr(start, comma == std::string::npos ? comma : comma - start); !item.empty())
      items.push_back(std::move(item));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return items;
}

// --api, else $WESHOPD_API, else the daemon's own $WESHOPD_API_LISTEN, else its default.
std::string default_api()
{
  if (auto v = environment("WESHOPD_API"); !v.empty())
    return v;
  if (auto v = environment("WESHOPD_API_LISTEN"); !v.empty())
    return v;
  return "http://127.0.0.1:8787";
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"weshopctl: submit, follow and fetch weshopd jobs"};
  app.footer("Exit codes: 0 done or succeeded, 1 the job failed/was canceled (or does not exist),\n"
             "            2 usage or a request weshopd refused as invalid, 3 weshopd unreachable.\n"
             "Environment: WESHOPD_API (or WESHOPD_API_LISTEN), WESHOPD_API_TOKEN_FILE,\n"
             "             WESHOPD_OUTBOUND_ALLOW (download: comma-separated CIDRs, as --outbound-allow).");
  app.require_subcommand(1);
  app.fallthrough(); // --api, --json and --token-file also after the command
  std::string api = default_api();
  std::string token_file = environment("WESHOPD_API_TOKEN_FILE");
  bool json = false;
  app.add_option("--api", api, "weshopd's local API: http://HOST:PORT or unix:/PATH")->capture_default_str();
  app.add_option("--token-file", token_file, "file holding the bearer token (api.token_file)");
  app.add_flag("--json", json, "print JSON (one object per line) instead of text");
  app.set_version_flag("--version", "weshopctl 0.1.0");

  cli::submit_options submit;
  auto* submit_cmd = app.add_subcommand("submit", "submit a job (prints its id, or waits for it)");
  submit_cmd->add_option("agent", submit.request.agent, "aimodel, aiproduct, aipose, expandimage, removeBG, virtualtryon")
    ->required();
  submit_cmd->add_option("--version", submit.request.version, "agent version")->capture_default_str();
  submit_cmd->add_option("--image", submit.request.image, "input.originalImage: a local file (under uploads.roots) or URL");
  submit_cmd->add_option("--input", submit.request.inputs, "another input, NAME=VALUE (repeatable)");
  submit_cmd->add_option("--param", submit.request.params, "a param, NAME=VALUE; VALUE as JSON when it parses (repeatable)");
  submit_cmd->add_option("--task", submit.request.task, "input.taskName");
  submit_cmd->add_option("--idempotency-key", submit.idempotency_key, "the same key never makes a second job");
  submit_cmd->add_flag("--wait", submit.wait, "wait until the job finishes; exit code by its outcome");

  std::string id;
  auto* status_cmd = app.add_subcommand("status", "show a job (exit 1 when it failed or was canceled)");
  status_cmd->add_option("id", id, "job id")->required();

  cli::list_options list;
  auto* list_cmd = app.add_subcommand("list", "list jobs, newest first");
  list_cmd->add_option("--state", list.state, "queued, uploading, submitting, running, succeeded, failed, canceled");
  list_cmd->add_option("--agent", list.agent, "agent name");
  list_cmd->add_option("--limit", list.limit, "jobs per page")->capture_default_str()->check(CLI::Range(1, 500));
  list_cmd->add_flag("--all", list.all, "every page, not just the first");

  auto* cancel_cmd = app.add_subcommand("cancel", "cancel a job");
  cancel_cmd->add_option("id", id, "job id")->required();

  cli::watch_options watch;
  std::string watch_id;
  bool plain = false;
  auto* watch_cmd = app.add_subcommand("watch", "follow one job (until it finishes) or every job, live");
  watch_cmd->add_option("id", watch_id, "job id (all jobs when left out)");
  watch_cmd->add_flag("--plain", plain, "one line per event even on a terminal");

  auto* agents_cmd = app.add_subcommand("agents", "the agents, their versions and params (* required)");

  cli::download_options download;
  auto* download_cmd = app.add_subcommand("download", "save a succeeded job's result images");
  download_cmd->add_option("id", download.id, "job id")->required();
  download_cmd->add_option("--dir", download.dir, "folder to save into")->capture_default_str();
  download_cmd->add_option("--ca-file", download.ca_file, "trust this CA for result hosts (a test setup)");
  std::vector<std::string> outbound_allow;
  download_cmd->add_option("--outbound-allow", outbound_allow,
                           "a network (CIDR, e.g. 127.0.0.1/32) result hosts may be in besides public addresses;\n"
                           "loopback, private, link-local, ULA ... are refused otherwise (repeatable;\n"
                           "default: $WESHOPD_OUTBOUND_ALLOW, comma-separated)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cli::usage;
  }

  if (outbound_allow.empty())
    outbound_allow = comma_separated(environment("WESHOPD_OUTBOUND_ALLOW"));
  try {
    download.outbound = http::address_policy::from_strings(outbound_allow);
  } catch (const std::invalid_argument& e) {
    std::cerr << "weshopctl: --outbound-allow / WESHOPD_OUTBOUND_ALLOW: " << e.what() << "\n";
    return cli::usage;
  }

  const auto address = cli::local_address::parse(api);
  if (!address) {
    std::cerr << "weshopctl: --api: expected http://HOST:PORT or unix:/PATH, not \"" << api << "\"\n";
    return cli::usage;
  }
  std::optional<std::string> token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      std::cerr << "weshopctl: cannot read the token file " << token_file << "\n";
      return cli::usage;
    }
    std::string text{std::istreambuf_iterator<char>(in), {}};
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.pop_back();
    token = std::move(text);
  }

  cli::local_client client(*address, token);
  const cli::output io{std::cout, std::cerr, json};
  try {
    if (*submit_cmd)
      return cli::submit(client, submit, io);
    if (*status_cmd)
      return cli::status(client, id, io);
    if (*list_cmd)
      return cli::list(client, list, io);
    if (*cancel_cmd)
      return cli::cancel(client, id, io);
    if (*watch_cmd) {
      if (!watch_id.empty())
        watch.id = watch_id;
      watch.tty = !plain && ::isatty(STDOUT_FILENO);
      return cli::watch(client, watch, io);
    }
    if (*agents_cmd)
      return cli::agents(client, io);
    if (*download_cmd)
      return cli::download(client, download, io);
  } catch (const cli::unreachable& e) {
    std::cerr << "weshopctl: cannot reach " << e.what() << "\n";
    return cli::daemon_unavailable;
  }
  return cli::usage;
}
