#pragma once
// What a process has used so far, from /proc: CPU time and resident memory.

#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace weshopd::test {

struct process_usage {
  double cpu_seconds = 0;  // user + system
  std::size_t rss_kib = 0; // VmRSS
};

inline process_usage usage_of(pid_t pid)
{
  process_usage u;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream fields(text.substr(text.rfind(')') + 2)); // after "pid (comm) "
  std::string f;
  long ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15) // utime, stime
      ticks += std::stol(f);
  u.cpu_seconds = static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:"))
      u.rss_kib = std::stoul(line.substr(6));
  return u;
}

} // namespace weshopd::test
