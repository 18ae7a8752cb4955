#pragma once
// weshopd's command line: --config, --set (repeatable), --check-config,
// --print-config-reference, --version, --help. Flags beat the environment, which beats the file
// (config/config.hpp); the environment is read here, once.

#include "config/config.hpp"

#include <optional>

namespace weshopd {

struct command_line {
  config::sources sources;
  bool check_only = false;
  bool print_reference = false; // the settings as Markdown (config/reference.hpp), then exit
  std::optional<int> exit_code; // set when the process should exit now (--help, --version, a bad flag)
};

// Prints help, the version or what is wrong with the flags, as CLI11 does.
command_line parse_command_line(int argc, char** argv);

} // namespace weshopd
