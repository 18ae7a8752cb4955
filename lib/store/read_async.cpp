#include "store/read_async.hpp"

#include <condition_variable>
#include <mutex>

namespace weshopd::store {

namespace {

struct pool_work {
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t in_flight = 0;
};

pool_work& work_on_pool()
{
  static pool_work w;
  return w;
}

} // namespace

boost::asio::thread_pool& read_pool()
{
  static boost::asio::thread_pool pool(4);
  return pool;
}

read_pool_task::read_pool_task()
{
  auto& w = work_on_pool();
  const std::lock_guard lock(w.mutex);
  ++w.in_flight;
}

read_pool_task::~read_pool_task()
{
  auto& w = work_on_pool();
  const std::lock_guard lock(w.mutex);
  if (--w.in_flight == 0)
    w.idle.notify_all();
}

void wait_for_read_pool()
{
  auto& w = work_on_pool();
  std::unique_lock lock(w.mutex);
  w.idle.wait(lock, [&w] { return w.in_flight == 0; });
}

} // namespace weshopd::store
