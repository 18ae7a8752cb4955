#include "upstream/agent_info_cache.hpp"

namespace weshopd::upstream {

boost::asio::awaitable<outcome<boost::json::value>>
agent_info_cache::get(std::string name, std::string version, std::optional<std::chrono::milliseconds> timeout)
{
  const auto key = name + "/" + version;
  const auto now = now_ms();
  if (const auto it = entries_.find(key); it != entries_.end() && now - it->second.first < ttl_)
    co_return it->second.second;
  auto info = co_await client_.agent_info(name, version, timeout);
  if (info)
    entries_[key] = {now, *info};
  co_return info;
}

} // namespace weshopd::upstream
