#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace weshopd {

namespace {

void append_value(std::string& out, std::string_view v)
{
  const bool quote = v.empty() || v.find_first_of(" \"=\t\n") != std::string_view::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  out += '"';
}

std::atomic<log_level> threshold{log_level::info};

} // namespace

void set_log_threshold(log_level lowest)
{
  threshold.store(lowest, std::memory_order_relaxed);
}

bool logs(log_level level)
{
  return level >= threshold.load(std::memory_order_relaxed);
}

void log(log_level level, std::string_view event, std::initializer_list<std::pair<std::string_view, std::string_view>> fields)
{
  if (!logs(level))
    return;
  static constexpr std::string_view names[] = {"debug", "info", "warning", "error"};
  std::string line = "level=";
  line += names[static_cast<int>(level)];
  line += " event=";
  line += event;
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    append_value(line, v);
  }
  line += '\n';
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace weshopd
