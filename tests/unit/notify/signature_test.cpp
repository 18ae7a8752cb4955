#include "notify/signature.hpp"

#include <gtest/gtest.h>

using namespace weshopd::notify;

TEST(Signature, MatchesTheStandardWebhooksReferenceVector)
{
  const auto key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  ASSERT_TRUE(key);
  EXPECT_EQ(sign(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signature, AnyChangeChangesIt)
{
  const auto key = *signing_key("a-plain-secret-of-enough-length");
  const auto base = sign(key, "id", 1, "{}");
  EXPECT_NE(sign(key, "id2", 1, "{}"), base);
  EXPECT_NE(sign(key, "id", 2, "{}"), base);
  EXPECT_NE(sign(key, "id", 1, "{ }"), base);
  EXPECT_NE(sign(*signing_key("another-plain-secret-long-enough"), "id", 1, "{}"), base);
}

TEST(Signature, ShortOrBrokenSecretsAreRefused)
{
  EXPECT_FALSE(signing_key("short"));
  EXPECT_FALSE(signing_key("whsec_not*base64"));
  EXPECT_FALSE(signing_key("whsec_c2hvcnQ=")); // "short"
}
