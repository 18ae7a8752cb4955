// weshopd: for now, opens and migrates the job store and reports it.
// The service itself (local API, engine, upstream client) lands with issue #4.

#include "store/job_store.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

std::string store_path(int argc, char** argv)
{
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--store-path")
      return argv[i + 1];
  if (const char* env = std::getenv("WESHOPD_STORE_PATH"))
    return env;
  if (const char* state = std::getenv("STATE_DIRECTORY"))
    return std::string(state) + "/weshopd.db";
  return "weshopd.db";
}

} // namespace

int main(int argc, char** argv)
{
  const auto path = store_path(argc, argv);
  std::string message;
  auto store = weshopd::store::job_store::open({.path = path}, &message);
  if (!store) {
    std::cerr << "weshopd: cannot open the job store " << path << ": " << store.error().message() << ": " << message
              << "\n";
    return 1;
  }
  std::cout << "weshopd: job store " << path << " is ready (schema migrated).\n"
            << "weshopd: not yet: the service (local API, engine, WeShop client) arrives with issue #4.\n";
  return 0;
}
