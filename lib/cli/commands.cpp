// The request/answer commands: submit, status, list, cancel, agents.
// (watch and download have files of their own.)

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "cli/job_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

std::string encoded(std::string_view text)
{
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

void print_job(const json::object& job, output io)
{
  if (io.json)
    io.out << json::serialize(job) << "\n";
  else
    io.out << describe(job);
}

// Follows a job with ?wait until it is terminal; the job as it finished.
std::optional<json::object> wait_until_terminal(local_client& api, const std::string& id, output io, int& code)
{
  constexpr int wait_seconds = 25;
  api.set_timeout(std::chrono::seconds(wait_seconds + 15));
  for (;;) {
    const auto r = api.call("GET", job_path(id) + "?wait=" + std::to_string(wait_seconds));
    if (r.status != 200) {
      code = report_error(r, io);
      return std::nullopt;
    }
    auto job = body_object(r);
    if (const auto* s = job.if_contains("state"); s && s->is_string() && is_terminal_state(s->get_string()))
      return job;
  }
}

} // namespace

int submit(local_client& api, const submit_options& o, output io)
{
  auto body = submit_body(o.request);
  if (body.index() == 1) {
    io.err << "weshopctl: " << std::get<1>(body) << "\n";
    return usage;
  }
  local_client::header_list headers{{"Content-Type", "application/json"}};
  if (!o.idempotency_key.empty())
    headers.emplace_back("Idempotency-Key", o.idempotency_key);
  const auto r = api.call("POST", "/v1/jobs", json::serialize(std::get<0>(body)), headers);
  if (r.status != 201 && r.status != 200)
    return report_error(r, io);
  auto job = body_object(r);
  const std::string id(job.at("id").as_string());
  if (!o.wait) {
    if (io.json)
      io.out << json::serialize(job) << "\n";
    else
      io.out << id << "\n";
    return done;
  }
  if (!io.json)
    io.err << "submitted " << id << ", waiting\n";
  int code = done;
  const auto finished = wait_until_terminal(api, id, io, code);
  if (!finished)
    return code;
  print_job(*finished, io);
  return exit_code_of(*finished);
}

int status(local_client& api, const std::string& id, output io)
{
  const auto r = api.call("GET", job_path(id));
  if (r.status != 200)
    return report_error(r, io);
  const auto job = body_object(r);
  print_job(job, io);
  const auto* state = job.if_contains("state");
  return state && state->is_string() && (state->get_string() == "failed" || state->get_string() == "canceled")
           ? job_failed
           : done;
}

int list(local_client& api, const list_options& o, output io)
{
  std::string query = "?limit=" + std::to_string(o.limit);
  if (!o.state.empty())
    query += "&state=" + encoded(o.state);
  if (!o.agent.empty())
    query += "&agent=" + encoded(o.agent);
  if (!io.json)
    io.out << table_header() << "\n";
  std::string cursor;
  for (;;) {
    const auto r = api.call("GET", "/v1/jobs" + query + (cursor.empty() ? "" : "&cursor=" + encoded(cursor)));
    if (r.status != 200)
      return report_error(r, io);
    const auto page = body_object(r);
    for (const auto& job : page.at("jobs").as_array())
      io.out << (io.json ? json::serialize(job) : table_row(job.as_object())) << "\n";
    const auto& next = page.at("next_cursor");
    if (!o.all || next.is_null())
      return done;
    cursor = std::string(next.as_string());
  }
}

int cancel(local_client& api, const std::string& id, output io)
{
  const auto r = api.call("POST", job_path(id) + "/cancel");
  if (r.status != 200)
    return report_error(r, io);
  const auto job = body_object(r);
  if (io.json)
    io.out << json::serialize(job) << "\n";
  else
    io.out << id << " " << text_of(job.at("state")) << "\n";
  if (const auto* note = job.if_contains("note"); note && note->is_string() && !io.json)
    io.err << "note: " << note->get_string() << "\n";
  return done;
}

int agents(local_client& api, output io)
{
  const auto r = api.call("GET", "/v1/agents");
  if (r.status != 200)
    return report_error(r, io);
  const auto body = body_object(r);
  if (io.json) {
    io.out << json::serialize(body) << "\n";
    return done;
  }
  for (const auto& a : body.at("agents").as_array()) {
    const auto& agent = a.as_object();
    std::string name(agent.at("name").as_string());
    name.resize(std::max<std::size_t>(name.size(), 14), ' ');
    io.out << name << " " << text_of(agent.at("version")) << "  "
           << text_of(agent.at("purpose")) << "\n";
    std::string params = "  params:";
    for (const auto& p : agent.at("params").as_array())
      params += " " + text_of(p.at("name")) + (p.at("required").as_bool() ? "*" : "");
    io.out << params << "\n";
  }
  return done;
}

} // namespace weshopd::cli
