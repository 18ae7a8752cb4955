#include "common/log.hpp"

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

} // namespace

void log(log_level level, std::string_view event, std::initializer_list<std::pair<std::string_view, std::string_view>> fields)
{
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
