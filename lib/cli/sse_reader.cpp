#include "cli/sse_reader.hpp"

namespace weshopd::cli {

std::vector<sse_event> sse_reader::feed(std::string_view bytes)
{
  std::vector<sse_event> out;
  for (const char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      line(pending_, out);
      pending_.clear();
    } else {
      pending_ += c;
    }
  }
  return out;
}

void sse_reader::line(std::string_view l, std::vector<sse_event>& out)
{
  if (l.empty()) { // dispatch
    if (has_data_)
      out.push_back(event_);
    event_.event.clear();
    event_.data.clear();
    has_data_ = false; // (the id persists, as the spec's "last event ID")
    return;
  }
  if (l.front() == ':')
    return;
  const auto colon = l.find(':');
  const auto field = l.substr(0, colon);
  auto value = colon == std::string_view::npos ? std::string_view() : l.substr(colon + 1);
  if (value.starts_with(' '))
    value.remove_prefix(1);
  if (field == "data") {
    if (has_data_)
      event_.data += '\n';
    event_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    event_.event = value;
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    event_.id = value;
  }
}

} // namespace weshopd::cli
