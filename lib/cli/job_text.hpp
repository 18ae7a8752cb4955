#pragma once
// How weshopctl shows jobs to people: a table row, a full description, and a
// live progress line. Pure functions of the job JSON (DESIGN.md's job shape);
// fields that are missing or null show as "-".

#include "common/time.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace weshopd::cli {

// "ID  AGENT  STATE  UPSTREAM  CREATED" (fixed widths, no trailing newline).
std::string table_header();
std::string table_row(const boost::json::object& job);
// Several lines: state, agent, timestamps, upstream run, error, results.
std::string describe(const boost::json::object& job);
// One line for a terminal: id, agent, a bar of the steps done, state and
// upstream status; `frame` turns a spinner while the job is unfinished.
std::string progress_line(const boost::json::object& job, unsigned frame);
// One plain line per event for logs and pipes: "TIME ID STATE [upstream=S] [error=CODE]".
// `event_state` is the state the event entered; a replayed event carries the
// job as it is now, so its details are shown only when they belong to it.
std::string event_line(const boost::json::object& job, std::string_view event_state);

// A running job's expectedFinishAt as time left at `now` ("about 12 s left",
// "finishing any moment"); "" when it is not running or has none.
std::string time_left(const boost::json::object& job, timestamp now);

bool is_terminal_state(std::string_view state);

} // namespace weshopd::cli
