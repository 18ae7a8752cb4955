#include "process_setup.hpp"

#include "common/log.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace weshopd {

void forbid_core_dumps()
{
  if (::prctl(PR_SET_DUMPABLE, 0) != 0)
    log(log_level::warning, "not_dumpable_failed", {{"error", std::strerror(errno)}});
}

void raise_file_limit()
{
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

} // namespace weshopd
