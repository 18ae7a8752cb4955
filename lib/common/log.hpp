#pragma once
// One log line per event on stderr (journald takes it from there):
//   level=info event=job_state job=0190... state=running detail="run 86f6..."
// Values are quoted when they contain spaces or quotes. Thread-safe.
// Never pass a secret: there is no field that could hold the API key.

#include <initializer_list>
#include <string_view>
#include <utility>

namespace weshopd {

enum class log_level { debug, info, warning, error };

void log(log_level level, std::string_view event,
         std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});

// Lines below this level are dropped (log.level; info until set). A reload
// may change it while other threads log: it is an atomic.
void set_log_threshold(log_level lowest);
bool logs(log_level level);

} // namespace weshopd
