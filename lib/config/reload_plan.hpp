#pragma once
// What a reload (SIGHUP) does with a newly loaded configuration: the settings
// that reload live (settings_table.cpp marks them) take their new value; each
// other one that differs keeps its running value and is named, so the log can
// say "restart to apply". Pure: no I/O.

#include "config/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace weshopd::config {

struct reload_plan {
  settings next;                    // `loaded`, with the running value of every key it cannot change live
  std::vector<std::string> applied; // live keys whose value changed, in table order
  std::vector<std::string> kept;    // keys that differ but only a restart applies, in table order
};

reload_plan plan_reload(const settings& running, const settings& loaded);

// Whether a reload applies `key` ("section.key") while the daemon runs; false for an unknown key.
bool reloads_live(std::string_view key);

} // namespace weshopd::config
