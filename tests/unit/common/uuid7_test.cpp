#include "common/uuid7.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace weshopd;

TEST(Uuid7, HasVersionVariantAndTimestamp)
{
  uuid7_generator gen;
  const auto t = from_unix_ms(0x0191'2345'6789);
  const auto id = gen.next(t);
  ASSERT_TRUE(looks_like_uuid(id)) << id;
  EXPECT_EQ(id.substr(0, 13), "01912345-6789");
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(std::string("89ab").find(id[19]) != std::string::npos) << id;
}

TEST(Uuid7, StrictlyIncreasingWithinOneMillisecondAndAcrossClockSteps)
{
  uuid7_generator gen;
  const auto t = from_unix_ms(1'700'000'000'000);
  std::string previous;
  for (int i = 0; i < 10'000; ++i) { // > 4096: the counter overflows into the next ms
    const auto id = gen.next(i < 9000 ? t : t - std::chrono::seconds(5));
    ASSERT_GT(id, previous);
    previous = id;
  }
}

TEST(Uuid7, UniqueAcrossThreads)
{
  uuid7_generator gen;
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& ids : per_thread)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i)
        ids.push_back(gen.next());
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> all;
  for (const auto& ids : per_thread)
    all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 20'000u);
}

TEST(Uuid7, ShapeCheck)
{
  EXPECT_FALSE(looks_like_uuid("0191234567897abc8def0123456789ab"));
  EXPECT_FALSE(looks_like_uuid("01912345-6789-7ABC-8DEF-0123456789AB"));
  EXPECT_FALSE(looks_like_uuid("../../etc/passwd"));
}
