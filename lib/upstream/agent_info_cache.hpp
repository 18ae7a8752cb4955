#pragma once
// WeShop's agent info (valid location/model/background ids) per agent and
// version, kept for a time-to-live: a fresh entry answers without a request;
// a cold or stale one is fetched (`timeout` bounds that fetch) and only a
// successful answer is kept. Not thread-safe: one executor's thread.

#include "common/time.hpp"
#include "upstream/weshop_client.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace weshopd::upstream {

class agent_info_cache {
public:
  agent_info_cache(weshop_client& client, std::chrono::milliseconds ttl) : client_(client), ttl_(ttl) {}

  boost::asio::awaitable<outcome<boost::json::value>> get(std::string name, std::string version,
                                                          std::optional<std::chrono::milliseconds> timeout);

private:
  weshop_client& client_;
  std::chrono::milliseconds ttl_;
  std::map<std::string, std::pair<timestamp, boost::json::value>> entries_; // "name/version" -> (fetched, data)
};

} // namespace weshopd::upstream
