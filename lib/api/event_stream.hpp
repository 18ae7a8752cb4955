#pragma once
// Server-Sent Events of job transitions (DESIGN.md, "Events (SSE)"):
//   GET /v1/jobs/{id}/events  the job's events from the start (or after
//                             Last-Event-ID), then live; ends after the terminal one
//   GET /v1/events            live events of every job (filters agent, state),
//                             after Last-Event-ID first when given
// Each event: `id:` the event row id, `event:` the new state, `data:` the job
// JSON (live: the job right after that transition; replayed: the job as it
// is now). Replay and live join without gap or repeat: the subscription
// starts before the table is read, and ids already sent are skipped. A
// comment line every heartbeat keeps proxies and clients sure of the link;
// a client that stops reading is cut off, as is one that falls a whole queue
// behind (it resumes with Last-Event-ID).

#include "api/stream_slots.hpp"
#include "engine/job_feed.hpp"
#include "http/message.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace weshopd::api {

struct event_stream_options {
  std::chrono::milliseconds heartbeat = std::chrono::seconds(15);
  std::size_t queue = 1024;      // events a subscriber may be behind before it is cut off
  std::size_t replay_page = 500; // events read from the table at a time
  // A batch stream's `batch` events: at most one per this (batch_stream.hpp).
  std::chrono::milliseconds counts_interval = std::chrono::milliseconds(100);
};

class event_stream {
public:
  // Each stream holds one of `slots` while it is open.
  event_stream(engine::job_feed& feed, store::job_store& store, stream_slots& slots, event_stream_options options = {});

  boost::asio::awaitable<http::outgoing> job_events(http::incoming& req);
  boost::asio::awaitable<http::outgoing> all_events(http::incoming& req);

private:
  boost::asio::awaitable<void> follow_job(http::body_writer& out, const std::string& id, std::int64_t after);
  boost::asio::awaitable<void> follow_all(http::body_writer& out, const engine::feed_filter& filter,
                                          const std::optional<std::int64_t>& after);
  // Live events after `sent` until the subscription ends (or, with
  // `until_terminal`, until a terminal event is sent).
  boost::asio::awaitable<void> follow_live(http::body_writer& out, engine::job_feed::subscription& live,
                                           std::int64_t sent, bool until_terminal);

  engine::job_feed& feed_;
  store::async_jobs jobs_;
  stream_slots& slots_;
  event_stream_options options_;
};

} // namespace weshopd::api
