#pragma once
// GET /v1/batches/{id}/events: a batch's live stream (Server-Sent Events).
//   event: batch          data: the batch resource (its counts); no id line, so
//                         a client's Last-Event-ID stays the last item event's
//   id: <event row id>    event: <the item's new state>    data: the item's job
// First a `batch` event; then each item transition as the job streams send it
// (live: the job right after it; replayed: the job as it is now), each burst
// followed by a `batch` event with the new counts, at most one per
// `counts_interval` (a burst of transitions shares one). The stream ends after
// the batch finished, with a last `batch` event in its terminal state, once
// every item event before it was sent (a batch finished already: its one
// `batch` event, or with Last-Event-ID that, the events missed, and it again). `finished` never decreases from one
// `batch` event to the next.
// Last-Event-ID resumes: the item events after it come from the event table
// first (0: from the batch's start), then live, without gap or repeat (the
// subscription starts before the table is read). Without it: live only.
// Heartbeats, slow-reader and queue cut-offs and the stream slot are
// event_stream's (event_stream.hpp). Runs on the API's executor.

#include "api/event_stream.hpp"

namespace weshopd::api {

class batch_stream {
public:
  batch_stream(engine::job_feed& feed, store::job_store& store, stream_slots& slots, event_stream_options options = {});

  boost::asio::awaitable<http::outgoing> events(http::incoming& req);

private:
  struct progress;
  boost::asio::awaitable<void> follow(http::body_writer& out, std::string id, std::optional<std::int64_t> after);
  boost::asio::awaitable<void> follow_live(progress& p, engine::job_feed::subscription& live);
  // The item events after p.sent from the table, a page at a time.
  boost::asio::awaitable<bool> replay(progress& p);
  // The batch as it is now: a `batch` event, or (finished) what is left, the last one, and p.done.
  boost::asio::awaitable<bool> send_counts(progress& p);
  boost::asio::awaitable<bool> write_batch(progress& p, const batch& b);

  engine::job_feed& feed_;
  store::async_jobs jobs_;
  stream_slots& slots_;
  event_stream_options options_;
};

} // namespace weshopd::api
