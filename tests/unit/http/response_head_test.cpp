#include "http/response_head.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

TEST(ResponseHead, StatusLineTypeLengthAndCloseForHttp11)
{
  outgoing out;
  out.status = 404;
  out.body = "{}";
  EXPECT_EQ(response_head(out, 11, false),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(response_head(out, 11, true),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, Http10KeepsAliveOnlyWhenSaid)
{
  outgoing out;
  out.content_type.clear();
  EXPECT_EQ(response_head(out, 10, true), "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(response_head(out, 10, false), "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, NoLengthForAStreamOr204AndNoHeaderWithALineBreak)
{
  outgoing out;
  out.status = 204;
  out.content_type.clear();
  out.headers = {{"X-Ok", "yes"}, {"X-Bad", "a\r\nSet-Cookie: x"}, {"Bad\nName", "v"}, {"Colon:", "v"}};
  EXPECT_EQ(response_head(out, 11, true), "HTTP/1.1 204 No Content\r\nX-Ok: yes\r\n\r\n");
  out.status = 200;
  out.stream = [](body_writer&) -> boost::asio::awaitable<void> { co_return; };
  const auto head = response_head(out, 11, false);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
}
