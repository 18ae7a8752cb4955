// The one-file multipart/form-data body an upload sends.

#include "http/client.hpp"
#include "http/multipart.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

TEST(Multipart, OneFilePartFramedByItsBoundary)
{
  const multipart_file file{"image", std::string("\x89PNG\r\n--x\0y", 12), "shirt.png", "image/png"};
  const auto form = make_multipart(file);
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_TRUE(form.content_type.starts_with(prefix));
  const auto boundary = form.content_type.substr(prefix.size());
  EXPECT_EQ(boundary.size(), 8u + 32u); // "weshopd-" and 16 random bytes in hex
  EXPECT_EQ(form.body, "--" + boundary +
                         "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"shirt.png\"\r\n"
                         "Content-Type: image/png\r\n\r\n" +
                         file.content + "\r\n--" + boundary + "--\r\n");
  EXPECT_NE(make_multipart(file).content_type, form.content_type) << "a fresh boundary each time";
}

TEST(Multipart, NamesCannotBreakOutOfTheirQuotes)
{
  EXPECT_EQ(sanitize_filename("a\"b\\c\r\nd.png"), "a_b_c__d.png");
  EXPECT_EQ(sanitize_filename(""), "upload");
}
