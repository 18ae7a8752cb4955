// weshop-sim: a stand-in for https://openapi.weshop.ai on loopback, for tests
// and the dev stack. Prints its endpoints as one JSON line, then serves until
// SIGTERM/SIGINT.
//
//   weshop-sim --pki-dir DIR [--port 0] [--seed 1] [--callbacks once] ...
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

int main(int argc, char** argv)
{
  using namespace weshop_sim;
  CLI::App app{"weshop-sim: a faithful stand-in for the WeShop Agent API"};
  sim_options o;
  std::string pki_dir, faults_json, callbacks = "once";
  long pending_ms = 50, segmenting_ms = 50, running_ms = 100, callback_delay_ms = 500;

  app.add_option("--host", o.host, "address to listen on")->capture_default_str();
  app.add_option("--port", o.api_port, "HTTPS API port (0: any free port)")->capture_default_str();
  app.add_option("--images-port", o.images_port, "HTTPS image host port")->capture_default_str();
  app.add_option("--admin-port", o.admin_port, "HTTP admin port")->capture_default_str();
  app.add_option("--plain-port", o.plain_port, "plain-HTTP API port (wrong-scheme tests)")->capture_default_str();
  app.add_option("--pki-dir", pki_dir, "directory with ca.pem, server.pem, server.key (made if missing)");
  app.add_option("--cert", o.cert_file, "server certificate chain (PEM)");
  app.add_option("--key", o.key_file, "server private key (PEM)");
  app.add_option("--ca-file", o.ca_file, "CA trusted for https callbacks");
  app.add_option("--api-key", o.api_key, "the API key clients must send")->envname("WESHOP_SIM_API_KEY");
  app.add_option("--seed", o.seed, "seed for every random choice")->capture_default_str();
  app.add_option("--pending-ms", pending_ms)->capture_default_str();
  app.add_option("--segmenting-ms", segmenting_ms)->capture_default_str();
  app.add_option("--running-ms", running_ms)->capture_default_str();
  app.add_option("--fail-rate", o.fail_rate, "share of runs that end Failed")->check(CLI::Range(0.0, 1.0));
  app.add_option("--callbacks", callbacks, "off|once|duplicate|delayed|dropped|wrong_path")->capture_default_str();
  app.add_option("--callback-delay-ms", callback_delay_ms)->capture_default_str();
  app.add_option("--faults", faults_json, "JSON array of faults (see sim_state.hpp)");
  bool exit_with_parent = false;
  app.add_flag("--exit-with-parent", exit_with_parent, "stop when the process that started it dies (tests)");
  std::string make_pki_dir;
  auto* make_pki = app.add_subcommand("make-pki", "write ca.pem, server.pem, server.key into DIR and exit");
  make_pki->add_option("dir", make_pki_dir)->required();
  CLI11_PARSE(app, argc, argv);

  if (exit_with_parent) {
    const pid_t parent = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) // the parent died before prctl took hold
      return 1;
  }
  try {
    if (*make_pki) {
      ensure_dev_pki(make_pki_dir);
      return 0;
    }
    if (!pki_dir.empty()) {
      ensure_dev_pki(pki_dir);
      const std::filesystem::path dir(pki_dir);
      if (o.cert_file.empty())
        o.cert_file = (dir / "server.pem").string();
      if (o.key_file.empty())
        o.key_file = (dir / "server.key").string();
      if (o.ca_file.empty())
        o.ca_file = (dir / "ca.pem").string();
    }
    if (o.cert_file.empty() || o.key_file.empty()) {
      std::cerr << "weshop-sim: give --pki-dir, or --cert and --key\n";
      return 2;
    }
    const auto mode = parse_callback_mode(callbacks);
    if (!mode) {
      std::cerr << "weshop-sim: --callbacks must be off|once|duplicate|delayed|dropped|wrong_path\n";
      return 2;
    }
    o.callbacks = *mode;
    o.callback_delay = std::chrono::milliseconds(callback_delay_ms);
    o.run_timing = {std::chrono::milliseconds(pending_ms), std::chrono::milliseconds(segmenting_ms),
                    std::chrono::milliseconds(running_ms)};
    if (!faults_json.empty()) {
      const auto list = boost::json::parse(faults_json);
      for (const auto& v : list.as_array()) {
        std::string error;
        auto f = fault_from_json(v, error);
        if (!f) {
          std::cerr << "weshop-sim: --faults: " << error << "\n";
          return 2;
        }
        o.faults.push_back(*f);
      }
    }

    boost::asio::io_context io;
    sim_server server(io, o);
    server.start();
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { io.stop(); });

    const auto b = server.bound();
    std::cout << boost::json::serialize(boost::json::object{{"api", b.api},
                                                            {"images", b.images},
                                                            {"admin", b.admin},
                                                            {"plain", b.plain},
                                                            {"pid", ::getpid()}})
              << std::endl;
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "weshop-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
