#include "instance_name.hpp"

#include "common/secret.hpp"

#include <unistd.h>

namespace weshopd {

std::string instance_name()
{
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "/" + std::to_string(::getpid()) + "/" + random_token().substr(0, 8);
}

} // namespace weshopd
