#include "mirror/retention.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace std::chrono_literals;

namespace {

store::result_file file(const std::string& job, int n, std::int64_t bytes, std::int64_t stored_ms)
{
  store::result_file f;
  f.job_id = job;
  f.n = n;
  f.bytes = bytes;
  f.stored_at = from_unix_ms(stored_ms);
  return f;
}

} // namespace

TEST(Retention, AgeFirstThenTheOldestUntilUnderTheCap)
{
  const std::vector<store::result_file> files{file("a", 0, 100, 1000), file("a", 1, 100, 1000), file("b", 0, 50, 5000),
                                              file("c", 0, 70, 9000), file("d", 0, 10, 9500)};
  const auto now = from_unix_ms(10000);
  EXPECT_EQ(mirror::jobs_to_expire(files, now, 1h, 1000), std::vector<std::string>{});
  EXPECT_EQ(mirror::jobs_to_expire(files, now, 6000ms, 1000), std::vector<std::string>{"a"}) << "older than 6 s";
  EXPECT_EQ(mirror::jobs_to_expire(files, now, 1h, 130), std::vector<std::string>{"a"}) << "330 - 200 fits 130";
  EXPECT_EQ(mirror::jobs_to_expire(files, now, 1h, 120), (std::vector<std::string>{"a", "b"}))
    << "a (200) then b (50) go, leaving 80";
  EXPECT_EQ(mirror::jobs_to_expire(files, now, 1h, 0), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(mirror::jobs_to_expire({}, now, 0ms, 0), std::vector<std::string>{});
}
