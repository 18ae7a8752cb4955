#pragma once
// Internal to lib/config: the checks that look at settings together (a key
// that needs another, paths that must exist, limits that must fit each
// other), and the defaults that depend on other settings or on systemd's
// STATE_DIRECTORY. Run once every value has been read without error.

#include "config/config.hpp"

#include <map>
#include <string>
#include <vector>

namespace weshopd::config::detail {

void check(settings& s, const std::map<std::string, std::string>& env, std::vector<error>& errors);

} // namespace weshopd::config::detail
