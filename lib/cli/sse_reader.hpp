#pragma once
// Server-Sent Events, incrementally: bytes in as they arrive, whole events
// out (WHATWG "event stream" parsing: id, event, data lines joined by "\n";
// comments and unknown fields ignored; CRLF, LF or CR line ends). No I/O.

#include <string>
#include <string_view>
#include <vector>

namespace weshopd::cli {

struct sse_event {
  std::string id;
  std::string event;
  std::string data;
};

class sse_reader {
public:
  std::vector<sse_event> feed(std::string_view bytes);

private:
  void line(std::string_view l, std::vector<sse_event>& out);

  std::string pending_;  // an unfinished line
  bool after_cr_ = false; // the last byte was CR: a following LF ends nothing
  sse_event event_;
  bool has_data_ = false;
};

} // namespace weshopd::cli
