#include "cli/job_text.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

std::string text_at(const json::object& o, std::string_view key)
{
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string("-");
}

std::string nested_text(const json::object& o, std::string_view outer, std::string_view key)
{
  const auto* v = o.if_contains(outer);
  return v && v->is_object() ? text_at(v->get_object(), key) : std::string("-");
}

std::string padded(std::string text, std::size_t width)
{
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

// The job's error code, or "" when it has none.
std::string error_code_of(const json::object& job)
{
  const auto* e = job.if_contains("error");
  return e && e->is_object() ? text_at(e->get_object(), "code") : std::string();
}

// Steps a job has done, of 6: queued, uploading, submitting, then WeShop's
// Pending, Segmenting and Running, then finished.
int steps_done(const json::object& job)
{
  const auto state = text_at(job, "state");
  if (is_terminal_state(state))
    return 6;
  if (state == "uploading")
    return 1;
  if (state == "submitting")
    return 2;
  if (state == "running") {
    const auto upstream = nested_text(job, "upstream", "status");
    return upstream == "Running" ? 5 : upstream == "Segmenting" ? 4 : 3;
  }
  return 0;
}

} // namespace

bool is_terminal_state(std::string_view state)
{
  return state == "succeeded" || state == "failed" || state == "canceled";
}

std::string table_header()
{
  return padded("ID", 38) + padded("AGENT", 14) + padded("STATE", 12) + padded("UPSTREAM", 12) + "CREATED";
}

std::string table_row(const json::object& job)
{
  return padded(text_at(job, "id"), 38) + padded(nested_text(job, "agent", "name"), 14) +
         padded(text_at(job, "state"), 12) + padded(nested_text(job, "upstream", "status"), 12) +
         text_at(job, "createdAt");
}

std::string describe(const json::object& job)
{
  std::string out = "job       " + text_at(job, "id") + "\n";
  out += "state     " + text_at(job, "state") + "\n";
  out += "agent     " + nested_text(job, "agent", "name") + " " + nested_text(job, "agent", "version") + "\n";
  out += "created   " + text_at(job, "createdAt") + "\n";
  out += "finished  " + text_at(job, "finishedAt") + "\n";
  out += "upstream  " + nested_text(job, "upstream", "executionId") + " " + nested_text(job, "upstream", "status") + "\n";
  if (const auto* retry_of = job.if_contains("retryOf"); retry_of && retry_of->is_string())
    out += "retry of  " + std::string(retry_of->get_string()) + "\n";
  if (const auto* e = job.if_contains("error"); e && e->is_object())
    out += "error     " + text_at(e->get_object(), "code") + ": " + text_at(e->get_object(), "message") + "\n";
  if (const auto* warnings = job.if_contains("warnings"); warnings && warnings->is_array())
    for (const auto& w : warnings->get_array())
      if (w.is_object())
        out += "warning   " + text_at(w.get_object(), "pointer") + " " + text_at(w.get_object(), "message") + "\n";
  if (const auto* results = job.if_contains("results"); results && results->is_array()) {
    std::size_t n = 0;
    for (const auto& r : results->get_array())
      if (r.is_object()) {
        const auto& o = r.get_object();
        const auto local = text_at(o, "localUrl");
        out += "result " + std::to_string(n++) + "  " + (local != "-" ? local + "  (" + text_at(o, "image") + ")"
                                                                         : text_at(o, "image")) + "\n";
      }
  }
  return out;
}

std::string progress_line(const json::object& job, unsigned frame)
{
  static constexpr std::array<const char*, 4> spinner{"|", "/", "-", "\\"};
  const int done = steps_done(job);
  std::string bar = "[";
  for (int i = 0; i < 6; ++i)
    bar += i < done ? "#" : ".";
  bar += "]";
  const auto state = text_at(job, "state");
  const std::string mark = is_terminal_state(state) ? (state == "succeeded" ? "ok" : "!!") : spinner[frame % 4];
  std::string line = padded(text_at(job, "id"), 37) + padded(nested_text(job, "agent", "name"), 13) + bar + " " +
                     padded(mark, 3) + padded(state, 11);
  const auto upstream = nested_text(job, "upstream", "status");
  if (upstream != "-")
    line += " " + upstream;
  if (const auto code = error_code_of(job); !code.empty())
    line += " " + code;
  return line;
}

namespace {

// "2026-11-24T10:00:00.123Z" as weshopd writes it; nullopt for anything else.
std::optional<timestamp> parse_time(std::string_view text)
{
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) != 7)
    return std::nullopt;
  const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!day.ok())
    return std::nullopt;
  return timestamp{std::chrono::sys_days(day).time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(mi) +
                   std::chrono::seconds(s) + std::chrono::milliseconds(ms)};
}

} // namespace

std::string time_left(const json::object& job, timestamp now)
{
  const auto* at = job.if_contains("expectedFinishAt");
  if (text_at(job, "state") != "running" || !at || !at->is_string())
    return "";
  const auto end = parse_time(at->get_string());
  if (!end)
    return "";
  const auto s = std::chrono::round<std::chrono::seconds>(*end - now).count();
  if (s <= 0)
    return "finishing any moment";
  if (s < 90)
    return "about " + std::to_string(s) + " s left";
  if (s < 5400)
    return "about " + std::to_string((s + 30) / 60) + " min left";
  return "about " + std::to_string((s + 1800) / 3600) + " h left";
}

std::string event_line(const json::object& job, std::string_view event_state)
{
  const auto state = text_at(job, "state");
  if (!event_state.empty() && event_state != state)
    return text_at(job, "id") + " " + std::string(event_state) + " (replayed)";
  std::string line = text_at(job, "updatedAt") + " " + text_at(job, "id") + " " + state;
  const auto upstream = nested_text(job, "upstream", "status");
  if (upstream != "-")
    line += " upstream=" + upstream;
  if (const auto code = error_code_of(job); !code.empty())
    line += " error=" + code;
  if (const auto* at = job.if_contains("expectedFinishAt"); at && at->is_string() && state == "running")
    line += " expected_end=" + std::string(at->get_string());
  return line;
}

} // namespace weshopd::cli
