#include "store/read_async.hpp"

namespace weshopd::store {

boost::asio::thread_pool& read_pool()
{
  static boost::asio::thread_pool pool(4);
  return pool;
}

} // namespace weshopd::store
