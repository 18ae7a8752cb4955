// weshopctl watch [ID]: jobs live, from weshopd's Server-Sent Events.
// On a terminal, one line per job redrawn in place (a bar of the steps done,
// a spinner while it runs); otherwise one plain line per event, for logs and
// pipes. With an ID it ends when the job does, with the job's exit code.

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "cli/job_text.hpp"
#include "cli/sse_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <deque>
#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

// The terminal display: the latest view of each job, newest last, redrawn
// over itself with ANSI cursor movement.
class live_display {
public:
  explicit live_display(std::ostream& out) : out_(out) {}

  void show(json::object job)
  {
    const auto id = std::string(job.at("id").as_string());
    auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& j) { return j.at("id").as_string() == id; });
    if (it != jobs_.end())
      *it = std::move(job);
    else
      jobs_.push_back(std::move(job));
    while (jobs_.size() > max_lines) // the oldest scroll away
      jobs_.pop_front();
    redraw();
  }

private:
  static constexpr std::size_t max_lines = 40;

  void redraw()
  {
    if (drawn_ > 0)
      out_ << "\x1b[" << drawn_ << "F"; // to the start of the first line drawn
    const auto now = now_ms();
    for (const auto& job : jobs_) {
      const auto left = time_left(job, now);
      out_ << "\x1b[2K" << progress_line(job, frame_) << (left.empty() ? "" : "  " + left) << "\n";
    }
    drawn_ = jobs_.size();
    ++frame_;
    out_.flush();
  }

  std::ostream& out_;
  std::deque<json::object> jobs_;
  std::size_t drawn_ = 0;
  unsigned frame_ = 0;
};

} // namespace

int watch(local_client& api, const watch_options& o, output io)
{
  live_display display(io.out);
  sse_reader reader;
  std::optional<json::object> last;
  const auto on_event = [&](const sse_event& e) {
    boost::system::error_code ec;
    auto v = json::parse(e.data, ec);
    if (ec || !v.is_object() || !v.as_object().contains("id"))
      return;
    auto job = std::move(v.as_object());
    if (io.json)
      io.out << json::serialize(job) << std::endl;
    else if (o.tty)
      display.show(job);
    else
      io.out << event_line(job, e.event) << std::endl;
    last = std::move(job);
  };

  if (!o.id && o.tty && !io.json) { // show what is under way now, then follow
    for (const auto* state : {"queued", "uploading", "submitting", "running"}) {
      const auto r = api.call("GET", std::string("/v1/jobs?limit=40&state=") + state);
      if (r.status != 200)
        return report_error(r, io);
      auto jobs = body_object(r).at("jobs").as_array();
      for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) // oldest first
        display.show(it->as_object());
    }
  }

  const auto path = o.id ? job_path(*o.id) + "/events" : std::string("/v1/events");
  const auto r = api.stream(path, [&](std::string_view bytes) {
    for (const auto& e : reader.feed(bytes))
      on_event(e);
    return true;
  });
  if (r.status != 200)
    return report_error(r, io);
  if (!o.id) {
    io.err << "weshopctl: weshopd ended the event stream\n";
    return daemon_unavailable;
  }
  if (!last || !is_terminal_state(last->at("state").as_string()))
    return daemon_unavailable; // the stream ended before the job did (weshopd stopped)
  return exit_code_of(*last);
}

} // namespace weshopd::cli
