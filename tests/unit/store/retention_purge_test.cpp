// Retention (job_store::purge_expired), on SQLite and on a real PostgreSQL:
// what goes with a purged job (events, deliveries, its Idempotency-Key,
// upload rows no live job uses, result_files rows), what stays (live jobs, a
// job whose webhook is pending, counters, the budget ledger and usage), and
// the tombstone that answers job_expired, itself bounded.

#include "store/job_store.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

#include <atomic>

using namespace weshopd;
using namespace weshopd::store;
using weshopd::test::make_job;
using weshopd::test::open_store;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

class RetentionPurge : public ::testing::TestWithParam<std::string> {
protected:
  weshopd::test::temp_dir dir_;
  std::shared_ptr<std::atomic<std::int64_t>> now_ = std::make_shared<std::atomic<std::int64_t>>(1'750'000'000'000);
  std::unique_ptr<weshopd::test::postgres_server> postgres_ =
    GetParam() == "postgres" ? std::make_unique<weshopd::test::postgres_server>() : nullptr;
  std::unique_ptr<job_store> store_ = open();

  std::unique_ptr<job_store> open()
  {
    job_store_options o;
    o.backend = GetParam();
    o.url = postgres_ ? postgres_->conninfo() : "";
    o.clock = [now = now_] { return from_unix_ms(now->load()); };
    return open_store(dir_.file("jobs.db"), o);
  }
  timestamp now() const { return from_unix_ms(now_->load()); }
  void advance_days(std::int64_t days) { *now_ += days * day_ms; }

  std::string insert(new_job j)
  {
    auto r = store_->insert(std::move(j));
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->created_or_existing.id : std::string();
  }
  std::string canceled(new_job j)
  {
    const auto id = insert(std::move(j));
    EXPECT_TRUE(store_->transition(id, job_state::queued, job_state::canceled));
    return id;
  }
  // queued -> ... -> succeeded, with `input` as uploading wrote it.
  std::string succeeded(new_job j, std::optional<boost::json::object> input = std::nullopt, bool mirror = false)
  {
    const auto id = insert(std::move(j));
    job_patch up;
    up.input = std::move(input);
    EXPECT_TRUE(store_->transition(id, job_state::queued, job_state::uploading, up));
    EXPECT_TRUE(store_->transition(id, job_state::uploading, job_state::submitting));
    job_patch run;
    run.execution_id = "exec-" + id;
    EXPECT_TRUE(store_->transition(id, job_state::submitting, job_state::running, run));
    job_patch done;
    done.images_actual = 2;
    done.results = boost::json::array{boost::json::object{{"status", "Success"}, {"image", "https://r.test/1.png"}}};
    done.mirror_results = mirror;
    EXPECT_TRUE(store_->transition(id, job_state::running, job_state::succeeded, done));
    return id;
  }
  purge_batch purge(std::size_t max_jobs = 500)
  {
    auto r = store_->purge_expired(now() - std::chrono::days(90), max_jobs);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : purge_batch{};
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, RetentionPurge, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST_P(RetentionPurge, OldFinishedJobsGoWithTheirRowsLiveAndYoungOnesStay)
{
  const auto old = canceled(make_job("aipose", "old", "key-old"));
  auto delivered_job = make_job("aipose", "delivered");
  delivered_job.notify_url = "http://127.0.0.1:9/hook";
  const auto delivered = canceled(delivered_job);
  const auto d = store_->deliveries(delivered);
  ASSERT_TRUE(d && d->size() == 1);
  ASSERT_TRUE(store_->record_delivery({.id = d->front().id, .status = 200, .delivered = true}));
  const auto live = insert(make_job("aipose", "live"));
  advance_days(100);
  const auto young = canceled(make_job("aipose", "young"));

  const auto batch = purge();
  EXPECT_EQ(std::set<std::string>(batch.ids.begin(), batch.ids.end()), (std::set<std::string>{old, delivered}));
  EXPECT_FALSE(batch.more);
  EXPECT_EQ(store_->get(old).error(), make_error_code(errc::job_expired));
  EXPECT_EQ(store_->get(delivered).error(), make_error_code(errc::job_expired));
  EXPECT_TRUE(store_->get(live));
  EXPECT_TRUE(store_->get(young));
  EXPECT_EQ(store_->get("01900000-0000-7000-8000-000000000000").error(), make_error_code(errc::not_found));
  EXPECT_TRUE(store_->events(old)->empty());
  EXPECT_TRUE(store_->deliveries(delivered)->empty());
  EXPECT_FALSE(store_->events(live)->empty());
  // The key is free again: the same key now makes a new job.
  const auto again = store_->insert(make_job("aipose", "old", "key-old"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->created);
  EXPECT_NE(again->created_or_existing.id, old);
}

TEST_P(RetentionPurge, AJobWithAPendingDeliveryWaits)
{
  auto j = make_job("aipose", "pending");
  j.notify_url = "http://127.0.0.1:9/hook";
  const auto id = canceled(j);
  advance_days(100);
  EXPECT_TRUE(purge().ids.empty());
  EXPECT_TRUE(store_->get(id));
  const auto d = store_->deliveries(id);
  ASSERT_TRUE(d && d->size() == 1);
  ASSERT_TRUE(store_->record_delivery({.id = d->front().id, .error = "refused"})); // given up
  EXPECT_EQ(purge().ids, std::vector<std::string>{id});
}

TEST_P(RetentionPurge, AJobAKeptJobRetriesWaitsForIt)
{
  const auto original = canceled(make_job("aipose", "original"));
  auto retry = make_job("aipose", "original");
  retry.retry_of = original;
  const auto retried = insert(retry); // live
  advance_days(100);
  EXPECT_TRUE(purge().ids.empty());
  EXPECT_TRUE(store_->transition(retried, job_state::queued, job_state::canceled));
  advance_days(100);
  EXPECT_EQ(purge().ids, std::vector<std::string>{retried}); // the retry first ...
  EXPECT_EQ(purge().ids, std::vector<std::string>{original}); // ... then what it retried
}

TEST_P(RetentionPurge, UploadsGoWhenNoLiveJobUsesThem)
{
  ASSERT_TRUE(store_->record_upload({"sha-only-old", "https://cdn.test/old.png", 10}));
  ASSERT_TRUE(store_->record_upload({"sha-shared", "https://cdn.test/shared.png", 10}));
  succeeded(make_job("aipose", "a"), boost::json::object{{"originalImage", "https://cdn.test/old.png"}});
  succeeded(make_job("aipose", "b"), boost::json::object{{"originalImage", "https://cdn.test/shared.png"}});
  auto live = make_job("aipose", "live");
  live.input = {{"originalImage", "https://cdn.test/shared.png"}};
  insert(live);
  advance_days(100);
  const auto batch = purge();
  EXPECT_EQ(batch.ids.size(), 2u);
  EXPECT_EQ(batch.uploads_dropped, 1u);
  EXPECT_FALSE(store_->find_upload("sha-only-old").value());
  EXPECT_TRUE(store_->find_upload("sha-shared").value()) << "a live job still uses it";
}

TEST_P(RetentionPurge, MirroredRowsGoAndTheirPathsAreReturned)
{
  const auto id = succeeded(make_job("aipose", "m"), std::nullopt, true);
  ASSERT_TRUE(store_->record_mirror(id, {{id, 0, "/mirror/" + id + "/0.png", "abc", 3, "image/png", now()}}));
  ASSERT_TRUE(store_->find_result_file(id, 0).value());
  advance_days(100);
  const auto batch = purge();
  EXPECT_EQ(batch.files, std::vector<std::string>{"/mirror/" + id + "/0.png"});
  EXPECT_FALSE(store_->find_result_file(id, 0).value());
  EXPECT_TRUE(store_->result_files()->empty());
}

TEST_P(RetentionPurge, CountersLedgerAndUsageStayExact)
{
  auto paid = make_job("aipose", "paid");
  paid.images = 2;
  paid.unit_price = 10;
  paid.admit = {"2026-01-01", {{"global", 1000}, {"agent:aipose", 1000}}, false};
  paid.token_name = "ci";
  succeeded(paid);
  canceled(make_job("aipose", "free"));
  insert(make_job("aipose", "live"));
  const auto counts = store_->counts().value();
  const auto used = store_->budget_used("2026-01-01").value();
  const auto usage_of = [&](usage_group g, std::optional<std::string> token = std::nullopt) {
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, std::int64_t>> out;
    for (const auto& r : store_->usage("2026-01-01", "2026-01-31", g, token).value())
      out.emplace_back(r.key, r.jobs, r.images_requested, r.images_produced, r.spend);
    return out;
  };
  const auto by_day = usage_of(usage_group::day);
  const auto by_agent = usage_of(usage_group::agent);
  const auto by_token = usage_of(usage_group::token);
  const auto of_ci = usage_of(usage_group::day, "ci");
  ASSERT_EQ(by_day.size(), 1u);
  EXPECT_EQ(std::get<4>(by_day.front()), 20);
  advance_days(100);
  EXPECT_EQ(purge().ids.size(), 2u);
  EXPECT_EQ(store_->counts().value().size(), counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i)
    EXPECT_EQ(store_->counts().value()[i].jobs, counts[i].jobs) << counts[i].state;
  EXPECT_EQ(store_->budget_used("2026-01-01").value(), used);
  EXPECT_EQ(usage_of(usage_group::day), by_day);
  EXPECT_EQ(usage_of(usage_group::agent), by_agent);
  EXPECT_EQ(usage_of(usage_group::token), by_token);
  EXPECT_EQ(usage_of(usage_group::day, "ci"), of_ci);
}

TEST_P(RetentionPurge, BatchesAreBoundedAndSayWhenMoreRemain)
{
  for (int i = 0; i < 3; ++i)
    canceled(make_job("aipose", "n" + std::to_string(i)));
  advance_days(100);
  const auto first = purge(2);
  EXPECT_EQ(first.ids.size(), 2u);
  EXPECT_TRUE(first.more);
  const auto second = purge(2);
  EXPECT_EQ(second.ids.size(), 1u);
  EXPECT_FALSE(second.more);
}

TEST_P(RetentionPurge, TombstonesAreBoundedByTheirHorizon)
{
  const auto id = canceled(make_job("aipose", "t"));
  advance_days(100);
  EXPECT_EQ(purge().ids.size(), 1u);
  EXPECT_EQ(store_->get(id).error(), make_error_code(errc::job_expired));
  advance_days(89); // within one retention period (90 days) of the purge: still known
  EXPECT_EQ(purge().tombstones_dropped, 0u);
  EXPECT_EQ(store_->get(id).error(), make_error_code(errc::job_expired));
  advance_days(2);
  EXPECT_EQ(purge().tombstones_dropped, 1u);
  EXPECT_EQ(store_->get(id).error(), make_error_code(errc::not_found));
}

TEST_P(RetentionPurge, ASweepOnANewStoreFindsNothingAndReclaimsSafely)
{
  EXPECT_TRUE(purge().ids.empty());
  const auto freed = store_->reclaim_space(100);
  ASSERT_TRUE(freed) << freed.error().message();
  EXPECT_GE(*freed, 0);
}

} // namespace
