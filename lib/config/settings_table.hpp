#pragma once
// Internal to lib/config: the table of every setting (name, kind, how a value
// is checked and stored, what it is for). load.cpp feeds it values from the
// file, the environment and --set; validation.cpp then checks the settings as
// a whole; reference.cpp writes the documentation from it.

#include "config/config.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weshopd::config::detail {

// A value as a source gave it: TOML keeps its type, env and flags give text.
using raw = std::variant<std::string, std::int64_t, std::vector<std::string>>;

// How text from the environment or a flag is read: sizes take K/M/G
// suffixes, lists are colon-separated, comma_lists comma-separated (IPv6).
enum class kind { text, size, list, comma_list, number };

struct setting {
  std::string_view name; // "section.key"
  kind type;
  std::function<std::string(settings&, const raw&)> apply; // "" or what is wrong
  // Whether a reload (SIGHUP) applies a new value while the daemon runs; one
  // that is not is kept until a restart (config/reload_plan.hpp, the docs).
  bool live = false;
  std::function<bool(const settings&, const settings&)> same{}; // this key's value is equal in both
  std::function<void(settings&, const settings&)> keep{};    // copies this key's value from the second
  // For the reference (config/reference.hpp): what a value is ("whole number"),
  // a value as TOML ("" when unset), and one line on what the setting does.
  std::string value_type{};
  std::function<std::string(const settings&)> show{};
  std::string_view about{};
};

const std::vector<setting>& table();

// The setting called `name` ("section.key"), or null.
const setting* find(std::string_view name);

// Its environment override: "api.listen" -> "WESHOPD_API_LISTEN" (DESIGN.md).
std::string env_name(std::string_view name);

} // namespace weshopd::config::detail
