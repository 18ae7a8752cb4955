#pragma once
// Forgetting a secret that came in through the environment. unsetenv() alone
// is not enough: /proc/<pid>/environ is read from the block the process was
// started with, and unsetenv() only drops the pointer into it, so the value's
// bytes are overwritten in place first.

#include <map>
#include <string>
#include <string_view>

namespace weshopd {

// Zeroes the value of every `name=` entry of `environ`, then unsetenv(name).
void scrub_environment_variable(std::string_view name);

// The same for a copy of the environment: the value is zeroed, then erased.
void scrub_environment_variable(std::map<std::string, std::string>& env, const std::string& name);

} // namespace weshopd
