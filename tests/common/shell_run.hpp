#pragma once
// Runs a command line through the shell, as a person would type it: its
// stdout read in full, its stderr through a file, its exit status.

#include "common/daemon_fixture.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace weshopd::test {

struct tool_run {
  int exit = -1;
  std::string out; // stdout
  std::string err; // stderr
};

// `err_file`: where the command's stderr goes (read back into err).
inline tool_run shell_run(const std::string& command, const std::string& err_file)
{
  tool_run r;
  FILE* p = ::popen((command + " 2>" + err_file).c_str(), "r");
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, p)) > 0;)
    r.out.append(chunk, n);
  const int status = ::pclose(p);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err_file);
  return r;
}

} // namespace weshopd::test
