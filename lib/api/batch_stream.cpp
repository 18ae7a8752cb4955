#include "api/batch_stream.hpp"

#include "api/errors.hpp"
#include "api/job_scope.hpp"
#include "api/sse_format.hpp"
#include "common/uuid7.hpp"
#include "job/batch_json.hpp"
#include "job/job_json.hpp"

#include <boost/json/serialize.hpp>

#include <unordered_map>

namespace weshopd::api {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

// One stream's position: what it sent, and whether counts are owed.
struct batch_stream::progress {
  http::body_writer& out;
  std::string id;
  std::int64_t sent = 0;          // the last item event written (or resumed after)
  std::int64_t finished = -1;     // `finished` of the last batch event written
  timestamp updated{};            // its updatedAt
  bool dirty = false;             // items moved since the last batch event
  bool done = false;              // the last batch event is out
  steady::time_point counted{};   // when the last batch event went out
};

namespace {

// The `batch` event for `b`, or "" when it would say nothing new (the same
// update) or go back (an older read than the last sent: `finished` only grows).
std::string batch_frame(const batch& b, std::int64_t& finished, timestamp& updated, bool last)
{
  if (b.finished() < finished || (!last && b.updated_at == updated))
    return {};
  finished = b.finished();
  updated = b.updated_at;
  return "event: batch\ndata: " + boost::json::serialize(to_json(b)) + "\n\n";
}

} // namespace

batch_stream::batch_stream(engine::job_feed& feed, store::job_store& store, stream_slots& slots,
                           event_stream_options options)
  : feed_(feed), jobs_(store), slots_(slots), options_(options)
{
}

asio::awaitable<http::outgoing> batch_stream::events(http::incoming& req)
{
  const auto id = req.params.at("id");
  bool bad = false;
  const auto after = last_event_id(req, bad);
  if (bad)
    co_return error_response(400, "invalid_last_event_id", "Last-Event-ID must be an event id from this stream");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no batch with that id");
  const auto b = co_await jobs_.get_batch(id);
  if (!b && b.error() != errc::not_found)
    co_return error_response(b.error());
  if (!b || !may_see(req, *b)) // another token's batch answers as one that does not exist
    co_return error_response(404, "not_found", "no batch with that id");
  auto slot = slots_.try_take();
  if (!slot)
    co_return stream_slots::refusal();
  auto out = stream_head();
  out.hold = std::move(slot);
  out.stream = [this, id, after](http::body_writer& w) { return follow(w, id, after); };
  co_return out;
}

asio::awaitable<void> batch_stream::follow(http::body_writer& out, std::string id, std::optional<std::int64_t> after)
{
  // Subscribed before the table is read: no transition falls between.
  auto live = feed_.subscribe({.batch_id = id}, options_.queue);
  progress p{.out = out, .id = id, .sent = after.value_or(0)};
  const auto b = co_await jobs_.get_batch(id);
  if (!b)
    co_return;
  const auto first = batch_frame(*b, p.finished, p.updated, false);
  if (!co_await out.write(first))
    co_return;
  p.counted = steady::now();
  if (after) {
    const bool replayed = co_await replay(p);
    if (!replayed)
      co_return;
  }
  if (b->finished_at) { // finished already: after what the client missed, the end once more
    if (after) {
      const auto last = batch_frame(*b, p.finished, p.updated, true);
      co_await out.write(last);
    }
    co_return;
  }
  co_await follow_live(p, *live);
}

asio::awaitable<void> batch_stream::follow_live(progress& p, engine::job_feed::subscription& live)
{
  using std::chrono::milliseconds;
  for (;;) {
    const auto owed = std::chrono::duration_cast<milliseconds>(p.counted + options_.counts_interval - steady::now());
    const auto wait = p.dirty ? std::max(owed, milliseconds(0)) : options_.heartbeat;
    const auto items = co_await live.next(wait);
    for (const auto& item : items) {
      if (item->event_id <= p.sent)
        continue; // sent from the table already
      if (!co_await p.out.write(rendered(*item)))
        co_return;
      p.sent = item->event_id;
      p.dirty = true;
    }
    if (live.overflowed()) {
      co_await p.out.write(": too far behind; reconnect with Last-Event-ID\n\n");
      co_return;
    }
    if (live.ended())
      co_return;
    const bool due = p.dirty && steady::now() - p.counted >= options_.counts_interval;
    const bool quiet = items.empty() && !p.dirty; // a heartbeat's time without news: look anyway
    if (due || quiet) {
      const bool sent = co_await send_counts(p);
      if (!sent || p.done)
        co_return;
    }
    if (quiet && !co_await p.out.write(": heartbeat\n\n"))
      co_return;
  }
}

asio::awaitable<bool> batch_stream::send_counts(progress& p)
{
  const auto b = co_await jobs_.get_batch(p.id);
  if (!b)
    co_return false;
  p.dirty = false;
  p.counted = steady::now();
  if (b->finished_at) { // every item is final: send the events not yet sent, then the end
    const bool replayed = co_await replay(p);
    if (!replayed)
      co_return false;
    p.done = true;
  }
  const auto text = batch_frame(*b, p.finished, p.updated, p.done);
  if (text.empty())
    co_return true;
  co_return co_await p.out.write(text);
}

asio::awaitable<bool> batch_stream::replay(progress& p)
{
  for (bool more = true; more;) {
    const auto page = co_await jobs_.batch_events(p.id, p.sent, options_.replay_page);
    if (!page)
      co_return false;
    more = page->size() == options_.replay_page;
    std::unordered_map<std::string, std::string> jobs; // job id -> its JSON now, read once per page
    for (const auto& e : *page) {
      auto& data = jobs[e.job_id];
      if (data.empty()) {
        const auto j = co_await jobs_.get(e.job_id);
        if (!j)
          co_return false;
        data = boost::json::serialize(to_json(*j));
      }
      const auto text = frame(e.id, e.to, data);
      if (!co_await p.out.write(text))
        co_return false;
      p.sent = e.id;
    }
  }
  co_return true;
}

} // namespace weshopd::api
