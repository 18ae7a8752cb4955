// A live setting: readers always see one whole snapshot while a reload swaps
// them (run under TSan, a torn or racy swap fails here).
#include "common/live.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using weshopd::common::live;

namespace {

struct pair_of_settings {
  int first = 0;
  int second = 0; // always equal to first in a whole snapshot
};

} // namespace

TEST(Live, ReadersSeeWholeSnapshotsWhileTheyAreSwapped)
{
  live<pair_of_settings> value(pair_of_settings{});
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!done.load()) {
        const auto snapshot = value.load();
        if (snapshot->first != snapshot->second)
          ++torn;
      }
    });
  for (int i = 1; i <= 20000; ++i)
    value.store(pair_of_settings{i, i});
  done = true;
  for (auto& t : readers)
    t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(value.load()->first, 20000);
}

TEST(Live, ASnapshotHeldOutlivesTheSwap)
{
  live<std::vector<int>> value(std::vector<int>{1, 2, 3});
  const auto held = value.load(); // a request in flight
  value.store(std::vector<int>{4});
  EXPECT_EQ(*held, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(*value.load(), std::vector<int>{4});
}
