#include "command_line.hpp"

#include "build_info.hpp"

#include <CLI/CLI.hpp>

namespace weshopd {

command_line parse_command_line(int argc, char** argv)
{
  CLI::App app{"weshopd: a durable local service in front of the WeShop Agent API"};
  command_line out;
  std::string config_file;
  app.add_option("--config", config_file, "TOML configuration file (see config/weshopd.conf)");
  app.add_option("--set", out.sources.overrides, "override a setting: section.key=value (repeatable)");
  app.add_flag("--check-config", out.check_only, "validate the configuration and exit");
  app.add_flag("--print-config-reference", out.print_reference,
               "print every setting (type, default, environment override, reload) as Markdown and exit");
  app.set_version_flag("--version", build::version_line("weshopd"), "print the version and git commit, and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    out.exit_code = app.exit(e);
    return out;
  }
  if (!config_file.empty())
    out.sources.file = config_file;
  out.sources.environment = config::process_environment();
  return out;
}

} // namespace weshopd
