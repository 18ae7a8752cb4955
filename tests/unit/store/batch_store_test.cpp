// Batches in the store, on both backends (the scripts are shared: what one
// backend does the other must): all items or none, one admission for the
// whole batch, counts that follow every item's transition, the batch's
// finish, its cancel, keys and the list.

#include "store/job_store.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

using namespace weshopd;
using namespace weshopd::store;
using weshopd::test::make_job;
using weshopd::test::open_store;

namespace {

class BatchStore : public weshopd::test::backend_store {
protected:
  // n items of one image each, priced 1 unit, admitted against `limit` units.
  static new_batch make_batch(int n, budget::micros limit = 0, bool hold = false,
                              std::optional<std::string> key = std::nullopt)
  {
    new_batch b;
    b.agent = "aipose";
    b.agent_version = "v1.0";
    b.params = {{"textDescription", "sit"}};
    b.request_hash = "hash-" + std::to_string(n);
    b.idempotency_key = std::move(key);
    if (limit)
      b.admit = {"2026-12-05", {{"global", limit * budget::one_unit}}, hold};
    else
      b.admit = {"2026-12-05", {}, false};
    for (int i = 0; i < n; ++i) {
      auto j = make_job("aipose", "item " + std::to_string(i));
      j.images = 1;
      j.unit_price = budget::one_unit;
      j.admit = b.admit;
      j.item_name = "p" + std::to_string(i) + ".png";
      b.items.push_back(std::move(j));
    }
    return b;
  }

  job move(const job& j, job_state to, job_patch patch = {})
  {
    auto r = store_->transition(j.id, j.state, to, std::move(patch));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : j;
  }
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, BatchStore, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST_P(BatchStore, StoresEveryItemInOrderWithTheBatchAndItsCounts)
{
  const auto r = store_->insert_batch(make_batch(3));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(r->created);
  const auto& b = r->created_or_existing;
  EXPECT_EQ(b.items, 3);
  EXPECT_EQ(b.images, 3);
  EXPECT_EQ(b.cost, 3 * budget::one_unit);
  EXPECT_EQ(b.count(job_state::queued), 3);
  EXPECT_EQ(batch_state_of(b), batch_state::running);
  ASSERT_EQ(r->items.size(), 3u);
  const auto items = *store_->batch_items(b.id, 0, 10);
  ASSERT_EQ(items.size(), 3u);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].batch_id, b.id);
    EXPECT_EQ(items[i].batch_index, static_cast<std::int64_t>(i));
    EXPECT_EQ(items[i].item_name, "p" + std::to_string(i) + ".png");
    EXPECT_EQ(items[i].id, r->items[i].id);
  }
  EXPECT_EQ(store_->batch_items(b.id, 2, 10)->size(), 1u);
  list_query q;
  q.batch = b.id;
  EXPECT_EQ(store_->list(q)->jobs.size(), 3u);
}

TEST_P(BatchStore, CountsFollowEveryItemAndTheBatchFinishesWithItsLast)
{
  const auto r = store_->insert_batch(make_batch(3));
  ASSERT_TRUE(r);
  const auto id = r->created_or_existing.id;
  auto a = move(r->items[0], job_state::submitting);
  EXPECT_TRUE(store_->get_batch(id)->started_at);
  job_patch run;
  run.execution_id = "run-a";
  a = move(a, job_state::running, run);
  job_patch done;
  done.images_actual = 1;
  a = move(a, job_state::succeeded, done);
  move(r->items[1], job_state::failed);
  auto b = *store_->get_batch(id);
  EXPECT_EQ(b.count(job_state::succeeded), 1);
  EXPECT_EQ(b.count(job_state::failed), 1);
  EXPECT_EQ(b.count(job_state::queued), 1);
  EXPECT_EQ(b.count(job_state::running), 0);
  EXPECT_EQ(b.images_produced, 1);
  EXPECT_FALSE(b.finished_at);

  move(r->items[2], job_state::canceled);
  b = *store_->get_batch(id);
  EXPECT_TRUE(b.finished_at);
  EXPECT_EQ(b.finished(), 3);
  EXPECT_EQ(batch_state_of(b), batch_state::partially_failed);
  EXPECT_EQ(b.spent, 1 * budget::one_unit); // the succeeded image; the others cost nothing

  // A failed item retried in place (failed -> queued) reopens the batch.
  const auto failed = *store_->get(r->items[1].id);
  move(failed, job_state::queued);
  EXPECT_FALSE(store_->get_batch(id)->finished_at);
}

TEST_P(BatchStore, OneAdmissionForTheWholeBatch)
{
  EXPECT_EQ(store_->insert_batch(make_batch(4, 3)).error(), errc::budget_exceeded);
  EXPECT_TRUE(store_->list_batches({})->batches.empty());
  EXPECT_TRUE(store_->list({})->jobs.empty());
  const auto held = store_->insert_batch(make_batch(4, 3, true));
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->created_or_existing.held);
  for (const auto& j : held->items)
    EXPECT_TRUE(j.held);
  const auto fits = store_->insert_batch(make_batch(3, 3));
  ASSERT_TRUE(fits) << fits.error().message();
  EXPECT_FALSE(fits->created_or_existing.held);
  EXPECT_EQ((*store_->budget_used("2026-12-05"))["global"], 3 * budget::one_unit);
}

TEST_P(BatchStore, AnIdempotencyKeyNamesOneBatch)
{
  const auto first = store_->insert_batch(make_batch(2, 0, false, "k"));
  ASSERT_TRUE(first);
  const auto again = store_->insert_batch(make_batch(2, 0, false, "k"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->created_or_existing.id, first->created_or_existing.id);
  EXPECT_EQ(store_->insert_batch(make_batch(3, 0, false, "k")).error(), errc::idempotency_conflict);
  EXPECT_EQ(store_->list({})->jobs.size(), 2u);
}

TEST_P(BatchStore, CancelTakesTheQueuedItemsAndNamesTheOnesOnTheirWay)
{
  const auto r = store_->insert_batch(make_batch(3));
  ASSERT_TRUE(r);
  const auto id = r->created_or_existing.id;
  move(r->items[0], job_state::submitting);
  const auto c = store_->cancel_batch(id);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->canceled.size(), 2u);
  ASSERT_EQ(c->in_flight.size(), 1u);
  EXPECT_EQ(c->in_flight[0], r->items[0].id);
  EXPECT_TRUE(c->current.cancel_requested);
  EXPECT_EQ(c->current.count(job_state::canceled), 2);
  EXPECT_EQ(store_->cancel_batch("0190d3f0-0000-7000-8000-000000000000").error(), errc::not_found);
}

TEST_P(BatchStore, ListsNewestFirstByKeysetPages)
{
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(store_->insert_batch(make_batch(1 + i))->created_or_existing.id);
  batch_query q;
  q.limit = 2;
  const auto first = *store_->list_batches(q);
  ASSERT_EQ(first.batches.size(), 2u);
  EXPECT_EQ(first.batches[0].id, ids[2]);
  ASSERT_TRUE(first.next_before);
  q.before_id = first.next_before;
  const auto second = *store_->list_batches(q);
  ASSERT_EQ(second.batches.size(), 1u);
  EXPECT_EQ(second.batches[0].id, ids[0]);
  EXPECT_FALSE(second.next_before);
}
