// weshopctl: weshopd's command line, for people and scripts. Talks to the
// local API (TCP or unix socket) with the same bearer token as any client.
// Exit codes: see lib/cli/commands.hpp (0 done, 1 job failed, 2 usage, 3 unreachable).

#include "build_info.hpp"
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

// What the command line asked for: the options and which command.
struct invocation {
  std::string api = default_api();
  std::string token_file = environment("WESHOPD_API_TOKEN_FILE");
  bool json = false;
  std::string id;
  cli::submit_options submit;
  cli::list_options list;
  cli::watch_options watch;
  std::string watch_id;
  bool plain = false;
  cli::download_options download;
  cli::backup_options backup;
  std::vector<std::string> outbound_allow;
  CLI::App* submit_cmd = nullptr;
  CLI::App* status_cmd = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* cancel_cmd = nullptr;
  CLI::App* watch_cmd = nullptr;
  CLI::App* agents_cmd = nullptr;
  CLI::App* download_cmd = nullptr;
  CLI::App* backup_cmd = nullptr;
  cli::batch_submit_options batch_submit;
  unsigned batch_limit = 20;
  CLI::App* batch_submit_cmd = nullptr;
  CLI::App* batch_status_cmd = nullptr;
  CLI::App* batch_watch_cmd = nullptr;
  CLI::App* batch_download_cmd = nullptr;
  CLI::App* batch_cancel_cmd = nullptr;
  CLI::App* batch_retry_cmd = nullptr;
  CLI::App* batch_list_cmd = nullptr;
};

void add_submit(CLI::App& app, invocation& in)
{
  auto& r = in.submit.request;
  in.submit_cmd = app.add_subcommand("submit", "submit a job (prints its id, or waits for it)");
  in.submit_cmd->add_option("agent", r.agent, "aimodel, aiproduct, aipose, expandimage, removeBG, virtualtryon")
    ->required();
  in.submit_cmd->add_option("--version", r.version, "agent version")->capture_default_str();
  in.submit_cmd->add_option("--image", r.image, "input.originalImage: a local file (under uploads.roots) or URL");
  in.submit_cmd->add_option("--input", r.inputs, "another input, NAME=VALUE (repeatable)");
  in.submit_cmd->add_option("--param", r.params, "a param, NAME=VALUE; VALUE as JSON when it parses (repeatable)");
  in.submit_cmd->add_option("--task", r.task, "input.taskName");
  in.submit_cmd->add_option("--idempotency-key", in.submit.idempotency_key, "the same key never makes a second job");
  in.submit_cmd->add_flag("--wait", in.submit.wait, "wait until the job finishes; exit code by its outcome");
}

void add_reads(CLI::App& app, invocation& in)
{
  in.status_cmd = app.add_subcommand("status", "show a job (exit 1 when it failed or was canceled)");
  in.status_cmd->add_option("id", in.id, "job id")->required();
  in.list_cmd = app.add_subcommand("list", "list jobs, newest first");
  in.list_cmd->add_option("--state", in.list.state, "queued, uploading, submitting, running, succeeded, failed, canceled");
  in.list_cmd->add_option("--agent", in.list.agent, "agent name");
  in.list_cmd->add_option("--limit", in.list.limit, "jobs per page")->capture_default_str()->check(CLI::Range(1, 500));
  in.list_cmd->add_flag("--all", in.list.all, "every page, not just the first");
  in.cancel_cmd = app.add_subcommand("cancel", "cancel a job");
  in.cancel_cmd->add_option("id", in.id, "job id")->required();
  in.watch_cmd = app.add_subcommand("watch", "follow one job (until it finishes) or every job, live");
  in.watch_cmd->add_option("id", in.watch_id, "job id (all jobs when left out)");
  in.watch_cmd->add_flag("--plain", in.plain, "one line per event even on a terminal");
  in.agents_cmd = app.add_subcommand("agents", "the agents, their versions and params (* required)");
}

void add_download(CLI::App& app, invocation& in)
{
  in.download_cmd = app.add_subcommand("download", "save a succeeded job's result images");
  in.download_cmd->add_option("id", in.download.id, "job id")->required();
  in.download_cmd->add_option("--dir", in.download.dir, "folder to save into")->capture_default_str();
  in.download_cmd->add_option("--ca-file", in.download.ca_file, "trust this CA for result hosts (a test setup)");
  in.download_cmd->add_option("--outbound-allow", in.outbound_allow,
                              "a network (CIDR, e.g. 127.0.0.1/32) result hosts may be in besides public addresses;\n"
                              "loopback, private, link-local, ULA ... are refused otherwise (repeatable;\n"
                              "default: $WESHOPD_OUTBOUND_ALLOW, comma-separated)");
}

void add_backup(CLI::App& app, invocation& in)
{
  in.backup_cmd = app.add_subcommand("backup", "save a consistent copy of weshopd's SQLite database while it runs\n"
                                               "(needs an admin token or the unix socket; prints \"sha256  FILE\")");
  in.backup_cmd->add_option("file", in.backup.file, "where to write the copy")->required();
  in.backup_cmd->add_flag("--force", in.backup.force, "replace FILE if it exists");
}

void add_batch_submit(CLI::App& batch, invocation& in)
{
  auto& r = in.batch_submit.request;
  in.batch_submit_cmd = batch.add_subcommand("submit", "submit one job per image as a batch (prints its id); the same\n"
                                                       "images, agent and params again make no second batch");
  in.batch_submit_cmd->add_option("agent", r.agent, "aimodel, aiproduct, aipose, expandimage, removeBG, virtualtryon")
    ->required();
  in.batch_submit_cmd->add_option("paths", r.paths, "image files, or a directory: its png/jpg/jpeg/webp images by name")
    ->required();
  in.batch_submit_cmd->add_option("--version", r.version, "agent version")->capture_default_str();
  in.batch_submit_cmd // one value per --param: the paths after it are not its values
    ->add_option("--param", r.params, "a param for every item, NAME=VALUE; VALUE as JSON when it parses (repeatable)")
    ->allow_extra_args(false);
  in.batch_submit_cmd->add_flag("--wait", in.batch_submit.wait, "follow it as batch watch; exit 0 only when it succeeded");
  in.batch_submit_cmd->add_flag("--plain", in.plain, "with --wait: one line per change even on a terminal");
}

void add_batch(CLI::App& app, invocation& in)
{
  auto* batch = app.add_subcommand("batch", "many images, one agent, one id: submit, follow and fetch batches");
  batch->require_subcommand(1);
  add_batch_submit(*batch, in);
  in.batch_status_cmd = batch->add_subcommand("status", "show a batch: state, counts, images, cost");
  in.batch_status_cmd->add_option("id", in.id, "batch id")->required();
  in.batch_watch_cmd = batch->add_subcommand("watch", "follow a batch until it ends (a progress bar on a terminal);\n"
                                                      "exit 0 only when it succeeded");
  in.batch_watch_cmd->add_option("id", in.id, "batch id")->required();
  in.batch_watch_cmd->add_flag("--plain", in.plain, "one line per change of the counts even on a terminal");
  in.batch_download_cmd = batch->add_subcommand("download", "save every item's results, named after the item (shirt-1.png)");
  in.batch_download_cmd->add_option("id", in.download.id, "batch id")->required();
  in.batch_download_cmd->add_option("--dir", in.download.dir, "folder to save into")->capture_default_str();
  in.batch_download_cmd->add_option("--ca-file", in.download.ca_file, "trust this CA for result hosts (a test setup)");
  in.batch_download_cmd->add_option("--outbound-allow", in.outbound_allow, "as download --outbound-allow (repeatable)");
  in.batch_cancel_cmd = batch->add_subcommand("cancel", "cancel every item of a batch not yet finished");
  in.batch_cancel_cmd->add_option("id", in.id, "batch id")->required();
  in.batch_retry_cmd = batch->add_subcommand("retry", "a new batch of a finished batch's failed and canceled items (prints its id)");
  in.batch_retry_cmd->add_option("id", in.id, "batch id")->required();
  in.batch_list_cmd = batch->add_subcommand("list", "list batches, newest first");
  in.batch_list_cmd->add_option("--limit", in.batch_limit, "how many")->capture_default_str()->check(CLI::Range(1, 500));
}

void define(CLI::App& app, invocation& in)
{
  app.footer("Exit codes: 0 done or succeeded, 1 the job failed/was canceled (or does not exist),\n"
             "            2 usage or a request weshopd refused as invalid, 3 weshopd unreachable.\n"
             "Environment: WESHOPD_API (or WESHOPD_API_LISTEN), WESHOPD_API_TOKEN_FILE,\n"
             "             WESHOPD_OUTBOUND_ALLOW (download: comma-separated CIDRs, as --outbound-allow).");
  app.require_subcommand(1);
  app.fallthrough(); // --api, --json and --token-file also after the command
  app.add_option("--api", in.api, "weshopd's local API: http://HOST:PORT or unix:/PATH")->capture_default_str();
  app.add_option("--token-file", in.token_file, "file holding the bearer token (api.token_file)");
  app.add_flag("--json", in.json, "print JSON (one object per line) instead of text");
  app.set_version_flag("--version", build::version_line("weshopctl"), "print the version and git commit, and exit");
  add_submit(app, in);
  add_reads(app, in);
  add_download(app, in);
  add_backup(app, in);
  add_batch(app, in);
}

// The token file's text without its trailing white space; nullopt when unreadable.
std::optional<std::string> read_token(const std::string& file)
{
  std::ifstream in(file);
  if (!in)
    return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), {}};
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  return text;
}

// weshopctl batch ...; nullopt when it is another command.
std::optional<int> run_batch(invocation& in, cli::local_client& client, const cli::output& io)
{
  const bool tty = !in.plain && ::isatty(STDOUT_FILENO);
  if (*in.batch_submit_cmd) {
    in.batch_submit.tty = tty;
    return cli::batch_submit(client, in.batch_submit, io);
  }
  if (*in.batch_status_cmd)
    return cli::batch_status(client, in.id, io);
  if (*in.batch_watch_cmd)
    return cli::batch_watch(client, {in.id, tty}, io);
  if (*in.batch_download_cmd)
    return cli::batch_download(client, in.download, io);
  if (*in.batch_cancel_cmd)
    return cli::batch_cancel(client, in.id, io);
  if (*in.batch_retry_cmd)
    return cli::batch_retry(client, in.id, io);
  if (*in.batch_list_cmd)
    return cli::batch_list(client, in.batch_limit, io);
  return std::nullopt;
}

int run(invocation& in, cli::local_client& client, const cli::output& io)
{
  if (const auto code = run_batch(in, client, io))
    return *code;
  if (*in.submit_cmd)
    return cli::submit(client, in.submit, io);
  if (*in.status_cmd)
    return cli::status(client, in.id, io);
  if (*in.list_cmd)
    return cli::list(client, in.list, io);
  if (*in.cancel_cmd)
    return cli::cancel(client, in.id, io);
  if (*in.watch_cmd) {
    if (!in.watch_id.empty())
      in.watch.id = in.watch_id;
    in.watch.tty = !in.plain && ::isatty(STDOUT_FILENO);
    return cli::watch(client, in.watch, io);
  }
  if (*in.agents_cmd)
    return cli::agents(client, io);
  if (*in.download_cmd)
    return cli::download(client, in.download, io);
  if (*in.backup_cmd)
    return cli::backup(client, in.backup, io);
  return cli::usage;
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"weshopctl: submit, follow and fetch weshopd jobs"};
  invocation in;
  define(app, in);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cli::usage;
  }

  if (in.outbound_allow.empty())
    in.outbound_allow = comma_separated(environment("WESHOPD_OUTBOUND_ALLOW"));
  try {
    in.download.outbound = http::address_policy::from_strings(in.outbound_allow);
  } catch (const std::invalid_argument& e) {
    std::cerr << "weshopctl: --outbound-allow / WESHOPD_OUTBOUND_ALLOW: " << e.what() << "\n";
    return cli::usage;
  }
  const auto address = cli::local_address::parse(in.api);
  if (!address) {
    std::cerr << "weshopctl: --api: expected http://HOST:PORT or unix:/PATH, not \"" << in.api << "\"\n";
    return cli::usage;
  }
  std::optional<std::string> token;
  if (!in.token_file.empty() && !(token = read_token(in.token_file))) {
    std::cerr << "weshopctl: cannot read the token file " << in.token_file << "\n";
    return cli::usage;
  }

  cli::local_client client(*address, token);
  const cli::output io{std::cout, std::cerr, in.json};
  try {
    return run(in, client, io);
  } catch (const cli::unreachable& e) {
    std::cerr << "weshopctl: cannot reach " << e.what() << "\n";
    return cli::daemon_unavailable;
  }
}
