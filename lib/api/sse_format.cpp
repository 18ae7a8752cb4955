#include "api/sse_format.hpp"

#include "job/job_json.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace weshopd::api {

http::outgoing stream_head()
{
  http::outgoing out;
  out.content_type = "text/event-stream";
  out.headers.push_back({"Cache-Control", "no-store"});
  out.headers.push_back({"X-Accel-Buffering", "no"}); // nginx: pass each event on at once
  return out;
}

std::string frame(std::int64_t id, job_state state, const std::string& data)
{
  return "id: " + std::to_string(id) + "\nevent: " + std::string(to_string(state)) + "\ndata: " + data + "\n\n";
}

const std::string& rendered(const engine::feed_item& item)
{
  if (item.rendered.empty()) // once per event, however many subscribers
    item.rendered = frame(item.event_id, item.snapshot.state, boost::json::serialize(to_json(item.snapshot)));
  return item.rendered;
}

std::optional<std::int64_t> last_event_id(const http::incoming& req, bool& bad)
{
  const auto text = req.header_value("Last-Event-ID");
  if (text.empty())
    return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  bad = ec != std::errc{} || end != text.data() + text.size() || v < 0;
  return v;
}

} // namespace weshopd::api
