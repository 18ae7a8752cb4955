#pragma once
// Where the WeShop API key comes from, in order: the WESHOP_API_KEY
// environment variable; a systemd credential ($CREDENTIALS_DIRECTORY/
// weshop_api_key, from LoadCredential=); ~/.config/weshop/credentials.json
// ({"api_key": "..."}, the location the upstream guide recommends), refused
// when group or others may read it. Never from the config file.

#include <map>
#include <optional>
#include <string>

namespace weshopd::config {

struct key_lookup {
  std::optional<std::string> key; // trimmed
  std::string source;             // where it came from, for the startup log ("environment", ...)
  std::string problem;            // why none could be used
};

key_lookup find_api_key(const std::map<std::string, std::string>& env);

// find_api_key, then WESHOP_API_KEY is removed from the process environment
// and from `env`: afterwards neither environ, /proc/<pid>/environ nor our copy
// holds it (removed whether or not a key was found).
key_lookup take_api_key(std::map<std::string, std::string>& env);

} // namespace weshopd::config
