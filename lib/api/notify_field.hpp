#pragma once
// The `notify` member of POST /v1/jobs: weshopd's own addition to WeShop's
// run request, never sent upstream.
//   "notify": {"url": "http://127.0.0.1:9000/hooks", "events": "terminal" | "all"}
// `events` defaults to "terminal" (succeeded, failed, canceled); "all" adds
// every transition. null counts as absent.

#include "weshop/violation.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace weshopd::api {

struct notify_target {
  std::string url;
  bool all_events = false;
};

// Reads the member (problems get pointers under /notify); nullopt when absent or bad.
std::optional<notify_target> read_notify_field(const boost::json::value& v, weshop::violations& problems);

} // namespace weshopd::api
