#include "store/job_rows.hpp"

#include <boost/json/parse.hpp>

namespace weshopd::store {
namespace {

std::optional<timestamp> opt_time(const statement& st, int col)
{
  const auto v = st.opt_int64(col);
  return v ? std::optional(from_unix_ms(*v)) : std::nullopt;
}

job_state state_of(const std::string& text)
{
  // The schema's CHECK constraint admits only known states.
  const auto s = parse_job_state(text);
  if (!s)
    throw sqlite_error(0, "unknown job state in database: " + text);
  return *s;
}

} // namespace

job read_job(const statement& st)
{
  job j;
  j.id = st.text(0);
  j.agent = st.text(1);
  j.agent_version = st.text(2);
  j.input = boost::json::parse(st.text(3)).as_object();
  j.params = boost::json::parse(st.text(4)).as_object();
  j.state = state_of(st.text(5));
  j.execution_id = st.opt_text(6);
  j.upstream_status = st.opt_text(7);
  j.results = boost::json::parse(st.text(8)).as_array();
  if (auto code = st.opt_text(9))
    j.error = job_error{std::move(*code), st.text(10), st.int64(11) != 0};
  j.idempotency_key = st.opt_text(12);
  j.request_hash = st.text(13);
  j.attempts = static_cast<int>(st.int64(14));
  j.next_attempt_at = opt_time(st, 15);
  j.deadline_at = opt_time(st, 16);
  j.created_at = from_unix_ms(st.int64(17));
  j.updated_at = from_unix_ms(st.int64(18));
  j.finished_at = opt_time(st, 19);
  j.last_event_id = st.int64(20);
  j.callback_token_hash = st.opt_text(21);
  j.notify_url = st.opt_text(22);
  j.notify_all = st.int64(23) != 0;
  j.retry_of = st.opt_text(24);
  return j;
}

job_event read_event(const statement& st)
{
  job_event e;
  e.id = st.int64(0);
  e.job_id = st.text(1);
  if (auto from = st.opt_text(2))
    e.from = state_of(*from);
  e.to = state_of(st.text(3));
  e.at = from_unix_ms(st.int64(4));
  e.detail = st.text(5);
  return e;
}

delivery read_delivery(const statement& st)
{
  delivery d;
  d.id = st.int64(0);
  d.job_id = st.text(1);
  d.event_id = st.int64(2);
  d.url = st.text(3);
  const auto state = st.text(4);
  d.state = state == "delivered" ? delivery_state::delivered
            : state == "failed"  ? delivery_state::failed
                                 : delivery_state::pending;
  d.attempts = static_cast<int>(st.int64(5));
  d.next_attempt_at = opt_time(st, 6);
  if (const auto status = st.opt_int64(7))
    d.last_status = static_cast<int>(*status);
  d.last_error = st.opt_text(8);
  d.created_at = from_unix_ms(st.int64(9));
  d.delivered_at = opt_time(st, 10);
  d.event_state = state_of(st.text(11));
  return d;
}

} // namespace weshopd::store
