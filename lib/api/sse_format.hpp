#pragma once
// The pieces of weshopd's Server-Sent Events the streams share
// (event_stream.hpp, batch_stream.hpp): the response head, an event's frame,
// a published transition's frame (rendered once, for every subscriber), and
// the Last-Event-ID header. Pure; thread-safe except rendered(), which fills
// the item's cache (the engine's executor only, as the feed).

#include "engine/job_feed.hpp"
#include "http/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weshopd::api {

// 200 text/event-stream, not cached, not buffered by nginx.
http::outgoing stream_head();

// "id: <id>\nevent: <state>\ndata: <data>\n\n": a job's transition.
std::string frame(std::int64_t id, job_state state, const std::string& data);

// The frame of a published transition (the job right after it).
const std::string& rendered(const engine::feed_item& item);

// Last-Event-ID: absent -> nullopt; a non-negative integer -> it; else `bad`.
std::optional<std::int64_t> last_event_id(const http::incoming& req, bool& bad);

} // namespace weshopd::api
