#include "common/environment_scrub.hpp"

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace weshopd {

void scrub_environment_variable(std::string_view name)
{
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      char* value = *e + name.size() + 1;
      ::explicit_bzero(value, std::strlen(value)); // not optimised away like a memset before free
    }
  }
  ::unsetenv(std::string(name).c_str());
}

void scrub_environment_variable(std::map<std::string, std::string>& env, const std::string& name)
{
  const auto it = env.find(name);
  if (it == env.end())
    return;
  ::explicit_bzero(it->second.data(), it->second.size());
  env.erase(it);
}

} // namespace weshopd
