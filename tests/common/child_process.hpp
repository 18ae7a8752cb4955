#pragma once
// A real child process for tests: spawned with its stdout on a pipe, read a
// line at a time with a deadline, signalled, reaped. The destructor SIGKILLs
// a child still running.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace weshopd::test {

class child_process {
public:
  // `env`: NAME=value entries (they replace inherited ones); `stderr_path`: where its stderr goes (default: inherited).
  explicit child_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                         const std::string& stderr_path = {})
  {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (!stderr_path.empty())
      posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    // This process's environment, with `env` replacing entries of the same name.
    const auto overridden = [&](std::string_view entry) {
      const auto name = entry.substr(0, entry.find('=') + 1);
      for (const auto& e : env)
        if (std::string_view(e).starts_with(name))
          return true;
      return false;
    };
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
      if (!overridden(*e))
        envp.push_back(*e);
    for (const auto& e : env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + argv[0]);
    }
    stdout_ = out[0];
  }
  child_process(const child_process&) = delete;
  ~child_process()
  {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0)
      ::close(stdout_);
  }

  pid_t pid() const { return pid_; }

  // The next line of the child's stdout, or nullopt at EOF or the deadline.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10))
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char chunk[4096];
      const auto n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0)
        return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Sends `sig` and reaps the child; returns its wait status.
  int stop(int sig = SIGTERM)
  {
    int status = 0;
    if (pid_ > 0) {
      ::kill(pid_, sig);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    return status;
  }

private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

} // namespace weshopd::test
