#pragma once
// Lets a request wait for a job's next change (GET /v1/jobs/{id}?wait=N):
// waiters park on a timer; publish() wakes every waiter of that job.
// Not thread-safe: used on the engine's executor only.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace weshopd::engine {

// A batch's topic: published at every change of one of its items.
inline std::string batch_topic(const std::string& batch_id)
{
  return "batch:" + batch_id;
}

class change_hub {
public:
  explicit change_hub(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  void publish(const std::string& job_id);
  // True when the job changed before `timeout` passed.
  boost::asio::awaitable<bool> wait(std::string job_id, std::chrono::milliseconds timeout);

private:
  struct waiter;
  boost::asio::any_io_executor executor_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<waiter>>> waiters_;
};

} // namespace weshopd::engine
