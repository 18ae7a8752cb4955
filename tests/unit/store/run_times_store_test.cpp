// Learned run times in the store, on both backends: a row per key, replaced
// by the next write of its key, kept across a restart.

#include "store/job_store.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::store;

namespace {

class RunTimesStore : public weshopd::test::backend_store {};

const timestamp t0 = from_unix_ms(1'800'000'000'000);

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, RunTimesStore, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST_P(RunTimesStore, EachKeyKeepsItsLatestHistogramAcrossARestart)
{
  ASSERT_TRUE(store_->run_times());
  EXPECT_TRUE(store_->run_times()->empty());
  auto saved = store_->save_run_times({{"aimodel@v1.0", "h1:1:1", t0}, {"aipose@v1.0/weshopPro", "h1:2:,2", t0}});
  ASSERT_TRUE(saved) << saved.error().message();
  EXPECT_EQ(*saved, 2U);
  saved = store_->save_run_times({{"aimodel@v1.0", "h1:5:,,5", t0 + std::chrono::seconds(3)}});
  ASSERT_TRUE(saved) << saved.error().message();

  store_.reset();
  store_ = open();
  const auto rows = store_->run_times();
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_EQ((*rows)[0].key, "aimodel@v1.0");
  EXPECT_EQ((*rows)[0].histogram, "h1:5:,,5");
  EXPECT_EQ((*rows)[0].updated_at, t0 + std::chrono::seconds(3));
  EXPECT_EQ((*rows)[1].key, "aipose@v1.0/weshopPro");
  EXPECT_EQ((*rows)[1].histogram, "h1:2:,2");
}
