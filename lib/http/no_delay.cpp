#include "http/no_delay.hpp"

namespace weshopd::http {

void send_without_delay(boost::asio::ip::tcp::socket& socket)
{
  boost::system::error_code ec;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
}

} // namespace weshopd::http
