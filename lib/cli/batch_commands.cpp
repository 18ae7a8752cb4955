// weshopctl batch submit/status/watch/cancel/retry/list (download has a
// file of its own). A batch is followed with GET /v1/batches/{id}?wait=N,
// which answers at the next change of any item, at once when it has ended.

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "cli/batch_progress.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

bool running(const json::object& batch)
{
  const auto* s = batch.if_contains("state");
  return !s || !s->is_string() || s->get_string() == "running";
}

int exit_code_of_batch(const json::object& batch)
{
  const auto* s = batch.if_contains("state");
  return s && s->is_string() && s->get_string() == "succeeded" ? done : job_failed;
}

// Shows each new view of a batch: a bar redrawn in place, or a line per change of its counts.
class batch_display {
public:
  batch_display(const batch_watch_options& o, output io) : o_(o), io_(io) {}

  void show(const json::object& batch)
  {
    const auto c = counts_of(batch);
    if (!started_) {
      start_ = std::chrono::steady_clock::now();
      finished_at_start_ = c.finished();
    }
    const bool changed = !started_ || c != last_ || batch.at("state") != last_state_;
    started_ = true;
    last_ = c;
    last_state_ = batch.at("state");
    if (io_.json) {
      if (changed)
        io_.out << json::serialize(batch) << std::endl;
    } else if (o_.tty) {
      const progress_sample s{finished_at_start_, c.finished(), c.total(), std::chrono::steady_clock::now() - start_};
      io_.out << "\r\x1b[2K" << progress_bar(batch, s) << std::flush;
    } else if (changed) {
      io_.out << batch_line(batch) << std::endl;
    }
  }

  void end()
  {
    if (o_.tty && started_ && !io_.json)
      io_.out << "\n";
  }

private:
  const batch_watch_options& o_;
  output io_;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_{};
  std::int64_t finished_at_start_ = 0;
  batch_counts last_{};
  json::value last_state_{};
};

void print_batch_id(const json::object& batch, output io)
{
  if (io.json)
    io.out << json::serialize(batch) << "\n";
  else
    io.out << text_of(batch.at("id")) << "\n";
}

} // namespace

int batch_watch(local_client& api, const batch_watch_options& o, output io)
{
  constexpr int wait_seconds = 30;
  api.set_timeout(std::chrono::seconds(wait_seconds + 15));
  batch_display display(o, io);
  std::string query;
  for (;;) {
    const auto r = api.call("GET", batch_path(o.id) + query);
    if (r.status != 200) {
      display.end();
      return report_error(r, io);
    }
    const auto batch = body_object(r);
    display.show(batch);
    if (!running(batch)) {
      display.end();
      return exit_code_of_batch(batch);
    }
    query = "?wait=" + std::to_string(wait_seconds);
  }
}

int batch_submit(local_client& api, const batch_submit_options& o, output io)
{
  auto request = batch_submit_request(o.request);
  if (request.index() == 1) {
    io.err << "weshopctl: " << std::get<1>(request) << "\n";
    return usage;
  }
  const auto& req = std::get<0>(request);
  const local_client::header_list headers{{"Content-Type", "application/json"}, {"Idempotency-Key", req.idempotency_key}};
  api.set_timeout(std::chrono::seconds(120)); // 10,000 items are checked before the answer
  const auto r = api.call("POST", "/v1/batches", json::serialize(req.body), headers);
  if (r.status != 201 && r.status != 200)
    return report_error(r, io);
  const auto batch = body_object(r);
  if (r.status == 200)
    io.err << "weshopctl: the same images, agent and params made this batch before\n";
  if (!io.json)
    io.out << text_of(batch.at("id")) << std::endl;
  else if (!o.wait) // with --wait, the watch prints the batch
    io.out << json::serialize(batch) << "\n";
  if (!o.wait)
    return done;
  return batch_watch(api, {std::string(batch.at("id").as_string()), o.tty}, io);
}

int batch_status(local_client& api, const std::string& id, output io)
{
  const auto r = api.call("GET", batch_path(id));
  if (r.status != 200)
    return report_error(r, io);
  const auto batch = body_object(r);
  io.out << (io.json ? json::serialize(batch) + "\n" : describe_batch(batch));
  return done;
}

int batch_cancel(local_client& api, const std::string& id, output io)
{
  const auto r = api.call("POST", batch_path(id) + "/cancel");
  if (r.status != 200)
    return report_error(r, io);
  const auto batch = body_object(r);
  io.out << (io.json ? json::serialize(batch) : batch_line(batch)) << "\n";
  return done;
}

int batch_retry(local_client& api, const std::string& id, output io)
{
  const auto r = api.call("POST", batch_path(id) + "/retry");
  if (r.status != 201 && r.status != 200)
    return report_error(r, io);
  print_batch_id(body_object(r), io);
  return done;
}

int batch_list(local_client& api, unsigned limit, output io)
{
  const auto r = api.call("GET", "/v1/batches?limit=" + std::to_string(limit));
  if (r.status != 200)
    return report_error(r, io);
  const auto page = body_object(r); // named: a range-for over a temporary's member would dangle
  for (const auto& b : page.at("batches").as_array())
    io.out << (io.json ? json::serialize(b) : batch_line(b.as_object())) << "\n";
  return done;
}

} // namespace weshopd::cli
