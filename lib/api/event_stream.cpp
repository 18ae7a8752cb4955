#include "api/event_stream.hpp"

#include "api/errors.hpp"
#include "job/job_json.hpp"
#include "api/job_scope.hpp"
#include "api/query.hpp"
#include "api/sse_format.hpp"
#include "common/uuid7.hpp"

#include <boost/json/serialize.hpp>

#include <unordered_map>

namespace weshopd::api {

namespace asio = boost::asio;

event_stream::event_stream(engine::job_feed& feed, store::job_store& store, stream_slots& slots,
                           event_stream_options options)
  : feed_(feed), jobs_(store), slots_(slots), options_(options)
{
}

asio::awaitable<http::outgoing> event_stream::job_events(http::incoming& req)
{
  const auto& id = req.params.at("id");
  bool bad = false;
  const auto after = last_event_id(req, bad);
  if (bad)
    co_return error_response(400, "invalid_last_event_id", "Last-Event-ID must be an event id from this stream");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  if (auto j = co_await jobs_.get(id); !j)
    co_return error_response(j.error());
  else if (!may_see(req, *j))
    co_return error_response(errc::not_found);
  auto slot = slots_.try_take();
  if (!slot)
    co_return stream_slots::refusal();
  auto out = stream_head();
  out.hold = std::move(slot);
  out.stream = [this, id, from = after.value_or(0)](http::body_writer& w) { return follow_job(w, id, from); };
  co_return out;
}

asio::awaitable<http::outgoing> event_stream::all_events(http::incoming& req)
{
  weshop::violations problems;
  const auto filters = read_job_filters(req, problems);
  if (!problems.empty())
    co_return error_response(422, "validation_failed", "bad query parameters", problems);
  bool bad = false;
  const auto after = last_event_id(req, bad);
  if (bad)
    co_return error_response(400, "invalid_last_event_id", "Last-Event-ID must be an event id from this stream");
  auto slot = slots_.try_take();
  if (!slot)
    co_return stream_slots::refusal();
  auto out = stream_head();
  out.hold = std::move(slot);
  const engine::feed_filter filter{.agent = filters.agent, .state = filters.state, .token = owner_filter(req)};
  out.stream = [this, filter, after](http::body_writer& w) { return follow_all(w, filter, after); };
  co_return out;
}

asio::awaitable<void> event_stream::follow_job(http::body_writer& out, const std::string& id, std::int64_t after)
{
  auto live = feed_.subscribe({.job_id = id}, options_.queue); // before the table is read: nothing falls between
  const auto events = co_await jobs_.events(id, after);
  const auto current = co_await jobs_.get(id);
  if (!events || !current)
    co_return;
  const auto data = boost::json::serialize(to_json(*current));
  std::int64_t sent = after;
  for (const auto& e : *events) {
    if (!co_await out.write(frame(e.id, e.to, data)))
      co_return;
    sent = e.id;
  }
  if (is_terminal(current->state) && current->last_event_id <= sent)
    co_return; // finished, and the client has seen the end
  co_await follow_live(out, *live, sent, true);
}

asio::awaitable<void> event_stream::follow_all(http::body_writer& out, const engine::feed_filter& filter,
                                               const std::optional<std::int64_t>& after)
{
  auto live = feed_.subscribe(filter, options_.queue);
  if (!co_await out.write(": live\n\n"))
    co_return;
  std::int64_t sent = after.value_or(0);
  if (after) {
    // Replay from the table, a page at a time; the job of each event is read once per page.
    for (bool more = true; more;) {
      const auto page = co_await jobs_.events_after(sent, options_.replay_page);
      if (!page)
        co_return;
      more = page->size() == options_.replay_page;
      std::unordered_map<std::string, std::optional<std::string>> jobs; // id -> JSON, when the filter takes it
      for (const auto& e : *page) {
        sent = e.id;
        if (filter.state && *filter.state != e.to)
          continue;
        auto [it, fresh] = jobs.try_emplace(e.job_id);
        if (fresh) {
          const auto j = co_await jobs_.get(e.job_id);
          if (j && (!filter.agent || *filter.agent == j->agent) && (!filter.token || filter.token == j->token_name))
            it->second = boost::json::serialize(to_json(*j));
        }
        if (it->second && !co_await out.write(frame(e.id, e.to, *it->second)))
          co_return;
      }
    }
  }
  co_await follow_live(out, *live, sent, false);
}

asio::awaitable<void> event_stream::follow_live(http::body_writer& out, engine::job_feed::subscription& live,
                                                std::int64_t sent, bool until_terminal)
{
  for (;;) {
    const auto items = co_await live.next(options_.heartbeat);
    for (const auto& item : items) {
      if (item->event_id <= sent)
        continue; // already sent from the table
      if (!co_await out.write(rendered(*item)))
        co_return;
      sent = item->event_id;
      if (until_terminal && is_terminal(item->snapshot.state))
        co_return;
    }
    if (live.overflowed()) {
      co_await out.write(": too far behind; reconnect with Last-Event-ID\n\n");
      co_return;
    }
    if (live.ended())
      co_return;
    if (items.empty() && !co_await out.write(": heartbeat\n\n"))
      co_return;
  }
}

} // namespace weshopd::api
