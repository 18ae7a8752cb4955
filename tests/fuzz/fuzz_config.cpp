// Hostile configuration: the TOML file and the environment overrides.
#include "config/config.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const std::string path = "/tmp/weshopd-fuzz-config-" + std::to_string(::getpid()) + ".toml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  weshopd::config::sources from;
  from.file = path;
  from.environment = {{"STATE_DIRECTORY", "/tmp"}};
  (void)weshopd::config::load(from);
  // The same bytes as an override of every key, as WESHOPD_* variables are read.
  from.file.reset();
  const auto newline = text.find('\n');
  for (const auto& key : weshopd::config::known_keys())
    from.overrides.push_back(key + "=" + text.substr(0, newline));
  (void)weshopd::config::load(from);
  return 0;
}
