// weshop-sim: a stand-in for https://openapi.weshop.ai on loopback, for tests
// and the dev stack. Prints its endpoints as one JSON line, then serves until
// SIGTERM/SIGINT.
//
//   weshop-sim --pki-dir DIR [--port 0] [--seed 1] [--callbacks once]
//              [--duration-lognormal 'aimodel=20000:0.6' ...] ...
//   weshop-sim make-pki DIR

#include "sim_server.hpp"
#include "test_pki.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <CLI/CLI.hpp>

#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace {

using namespace weshop_sim;

// The flags as given, before they become sim_options.
struct flags {
  sim_options o;
  std::string pki_dir, faults_json, callbacks = "once";
  std::vector<std::string> durations;
  long pending_ms = 50, segmenting_ms = 50, running_ms = 100, callback_delay_ms = 500;
  bool exit_with_parent = false;
  std::string make_pki_dir;
  CLI::App* make_pki = nullptr;
};

void define(CLI::App& app, flags& f)
{
  auto& o = f.o;
  app.add_option("--host", o.host, "address to listen on")->capture_default_str();
  app.add_option("--port", o.api_port, "HTTPS API port (0: any free port)")->capture_default_str();
  app.add_option("--images-port", o.images_port, "HTTPS image host port")->capture_default_str();
  app.add_option("--admin-port", o.admin_port, "HTTP admin port")->capture_default_str();
  app.add_option("--plain-port", o.plain_port, "plain-HTTP API port (wrong-scheme tests)")->capture_default_str();
  app.add_option("--pki-dir", f.pki_dir, "directory with ca.pem, server.pem, server.key (made if missing)");
  app.add_option("--cert", o.cert_file, "server certificate chain (PEM)");
  app.add_option("--key", o.key_file, "server private key (PEM)");
  app.add_option("--ca-file", o.ca_file, "CA trusted for https callbacks");
  app.add_option("--api-key", o.api_key, "the API key clients must send")->envname("WESHOP_SIM_API_KEY");
  app.add_option("--seed", o.seed, "seed for every random choice")->capture_default_str();
  app.add_option("--pending-ms", f.pending_ms)->capture_default_str();
  app.add_option("--segmenting-ms", f.segmenting_ms)->capture_default_str();
  app.add_option("--running-ms", f.running_ms)->capture_default_str();
  app.add_option("--duration-lognormal", f.durations,
                 "AGENT=MEDIAN_MS:SIGMA (repeatable; AGENT * for the agents not named): each run's total time "
                 "drawn from a log-normal with that median, split across the phases above in their proportions")
    ->take_all();
  app.add_option("--fail-rate", o.fail_rate, "share of runs that end Failed")->check(CLI::Range(0.0, 1.0));
  app.add_option("--callbacks", f.callbacks, "off|once|duplicate|delayed|dropped|wrong_path")->capture_default_str();
  app.add_option("--callback-delay-ms", f.callback_delay_ms)->capture_default_str();
  app.add_option("--max-running", o.capacity.max_running,
                 "refuse a run (429 + Retry-After) while this many are unfinished; 0: no limit")
    ->capture_default_str();
  app.add_option("--max-rps", o.capacity.max_rps,
                 "requests per second per API key (sliding 1 s window), 429 + Retry-After beyond; 0: no limit")
    ->capture_default_str();
  app.add_option("--faults", f.faults_json, "JSON array of faults (see sim_state.hpp)");
  app.add_flag("--exit-with-parent", f.exit_with_parent, "stop when the process that started it dies (tests)");
  f.make_pki = app.add_subcommand("make-pki", "write ca.pem, server.pem, server.key into DIR and exit");
  f.make_pki->add_option("dir", f.make_pki_dir)->required();
}

// Fills f.o from the other flags; an empty string when they make sense.
std::string finish(flags& f)
{
  auto& o = f.o;
  if (!f.pki_dir.empty()) {
    ensure_dev_pki(f.pki_dir);
    const std::filesystem::path dir(f.pki_dir);
    if (o.cert_file.empty())
      o.cert_file = (dir / "server.pem").string();
    if (o.key_file.empty())
      o.key_file = (dir / "server.key").string();
    if (o.ca_file.empty())
      o.ca_file = (dir / "ca.pem").string();
  }
  if (o.cert_file.empty() || o.key_file.empty())
    return "give --pki-dir, or --cert and --key";
  const auto mode = parse_callback_mode(f.callbacks);
  if (!mode)
    return "--callbacks must be off|once|duplicate|delayed|dropped|wrong_path";
  o.callbacks = *mode;
  o.callback_delay = std::chrono::milliseconds(f.callback_delay_ms);
  o.run_timing = {std::chrono::milliseconds(f.pending_ms), std::chrono::milliseconds(f.segmenting_ms),
                  std::chrono::milliseconds(f.running_ms)};
  for (const auto& spec : f.durations) {
    std::string error;
    const auto d = parse_duration_spec(spec, error);
    if (!d)
      return "--duration-lognormal: " + error;
    o.durations.set(d->agent, d->duration);
  }
  if (f.faults_json.empty())
    return {};
  const auto list = boost::json::parse(f.faults_json); // named: the loop reads into it
  for (const auto& v : list.as_array()) {
    std::string error;
    auto fault = fault_from_json(v, error);
    if (!fault)
      return "--faults: " + error;
    o.faults.push_back(*fault);
  }
  return {};
}

void serve(const sim_options& o)
{
  boost::asio::io_context io;
  sim_server server(io, o);
  server.start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  const auto b = server.bound();
  std::cout << boost::json::serialize(boost::json::object{
                 {"api", b.api}, {"images", b.images}, {"admin", b.admin}, {"plain", b.plain}, {"pid", ::getpid()}})
            << std::endl;
  io.run();
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"weshop-sim: a faithful stand-in for the WeShop Agent API"};
  flags f;
  define(app, f);
  CLI11_PARSE(app, argc, argv);
  if (f.exit_with_parent) {
    const pid_t parent = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) // the parent died before prctl took hold
      return 1;
  }
  try {
    if (*f.make_pki) {
      ensure_dev_pki(f.make_pki_dir);
      return 0;
    }
    if (const auto problem = finish(f); !problem.empty()) {
      std::cerr << "weshop-sim: " << problem << "\n";
      return 2;
    }
    serve(f.o);
  } catch (const std::exception& e) {
    std::cerr << "weshop-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
