#include "api/preset_check.hpp"

namespace weshopd::api {

preset_check::preset_check(engine::engine& engine, std::chrono::milliseconds deadline, std::chrono::milliseconds quiet)
  : engine_(engine), deadline_(deadline), quiet_(quiet)
{
}

boost::asio::awaitable<weshop::preset_verdict> preset_check::check(std::string agent, std::string version,
                                                                    const boost::json::object& params)
{
  weshop::preset_verdict verdict;
  if (!weshop::has_preset_ids(params))
    co_return verdict;
  const auto key = agent + "/" + version;
  if (const auto it = failed_at_.find(key); it != failed_at_.end() && now_ms() - it->second < quiet_) {
    verdict.unchecked = weshop::unchecked_preset_ids(params, "it could not be fetched a moment ago");
    co_return verdict;
  }
  auto info = co_await engine_.agent_info(agent, version, deadline_);
  if (!info) {
    failed_at_[key] = now_ms();
    verdict.unchecked = weshop::unchecked_preset_ids(params, "it could not be fetched (" + info.error().message + ")");
    co_return verdict;
  }
  failed_at_.erase(key);
  co_return weshop::check_preset_ids(params, *info);
}

} // namespace weshopd::api
