// failure_class: every fetch_result maps to a class safe to show, never to
// its socket message.

#include "http/failure_class.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;

namespace {

fetch_result failed(failure_kind k, unsigned status = 0)
{
  fetch_result r;
  r.failure = k;
  r.message = "connecting to http://10.0.0.7:22: Connection refused";
  r.resp.status = status;
  return r;
}

} // namespace

TEST(FailureClass, EveryKindHasAClass)
{
  EXPECT_EQ(failure_class(failed(failure_kind::address_not_allowed)), "address_not_allowed");
  EXPECT_EQ(failure_class(failed(failure_kind::timeout)), "timeout");
  for (auto k : {failure_kind::resolve, failure_kind::connect, failure_kind::tls, failure_kind::write, failure_kind::read})
    EXPECT_EQ(failure_class(failed(k)), "connect_failed") << to_string(k);
  EXPECT_EQ(failure_class(failed(failure_kind::protocol)), "invalid_response");
  EXPECT_EQ(failure_class(failed(failure_kind::too_large)), "invalid_response");
  EXPECT_EQ(failure_class(failed(failure_kind::bad_request)), "invalid_request");
  EXPECT_EQ(failure_class(failed(failure_kind::canceled)), "canceled");
  EXPECT_EQ(failure_class(failed(failure_kind::redirect, 302)), "http_302");
}

TEST(FailureClass, AnAnswerIsItsStatus)
{
  fetch_result r;
  r.resp.status = 503;
  EXPECT_EQ(failure_class(r), "http_503");
  r.resp.status = 404;
  EXPECT_EQ(failure_class(r), "http_404");
}

TEST(FailureClass, NeverTheSocketMessage)
{
  for (int k = static_cast<int>(failure_kind::none); k <= static_cast<int>(failure_kind::address_not_allowed); ++k) {
    const auto c = failure_class(failed(static_cast<failure_kind>(k), 500));
    EXPECT_EQ(c.find("refused"), std::string::npos) << c;
    EXPECT_EQ(c.find("10.0.0.7"), std::string::npos) << c;
  }
}
