// The awaitable facade (async_jobs): each operation answers what the blocking
// store answers, and every co_await resumes on the awaiting coroutine's
// thread, on SQLite (reads inline) and on PostgreSQL (reads on the pool,
// writes on the writer thread).

#include "store/async_jobs.hpp"

#include "common/postgres_server.hpp"
#include "common/run_sync.hpp"
#include "common/store_fixtures.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <thread>

using namespace weshopd;
using namespace weshopd::store;
namespace asio = boost::asio;

namespace {

class AsyncJobs : public ::testing::TestWithParam<std::string> {
protected:
  test::temp_dir dir_;
  std::unique_ptr<test::postgres_server> postgres_ =
    GetParam() == "postgres" ? std::make_unique<test::postgres_server>() : nullptr;
  std::unique_ptr<job_store> store_ = open();
  asio::io_context io_;

  std::unique_ptr<job_store> open()
  {
    job_store_options o;
    o.backend = GetParam();
    o.url = postgres_ ? postgres_->conninfo() : "";
    return test::open_store(dir_.file("jobs.db"), o);
  }
};

// Where each co_await resumed: false once one resumed on another thread.
struct thread_check {
  std::thread::id loop = std::this_thread::get_id();
  bool same = true;
  void operator()() { same = same && std::this_thread::get_id() == loop; }
};

// A job's life through the facade: insert, read, a webhook queued and
// delivered, an upload recorded and found. The answers, in order.
asio::awaitable<std::vector<std::string>> a_jobs_life(async_jobs& jobs, thread_check& on_loop)
{
  std::vector<std::string> said;
  auto nj = test::make_job("aipose", "facade");
  nj.notify_url = "http://127.0.0.1:9/hook";
  auto created = co_await jobs.insert(std::move(nj));
  on_loop();
  said.push_back(created && created->created ? "created" : "not created");
  const auto id = created->created_or_existing.id;
  auto got = co_await jobs.get(id);
  on_loop();
  said.push_back(got ? std::string(to_string(got->state)) : got.error().message());
  const job_patch none;
  const std::string detail = "by the test";
  auto failed = co_await jobs.transition(id, job_state::queued, job_state::failed, none, detail);
  on_loop();
  said.push_back(failed ? std::string(to_string(failed->state)) : failed.error().message());
  auto stale = co_await jobs.transition(id, job_state::queued, job_state::failed, none, detail);
  on_loop();
  said.push_back(!stale && stale.error() == errc::stale_state ? "stale" : "moved twice");
  auto events = co_await jobs.events(id);
  on_loop();
  said.push_back(std::to_string(events ? events->size() : 0) + " events");
  const list_query all;
  auto page = co_await jobs.list(all);
  on_loop();
  said.push_back(std::to_string(page ? page->jobs.size() : 0) + " listed");
  auto deliveries = co_await jobs.deliveries(id);
  on_loop();
  said.push_back(std::to_string(deliveries ? deliveries->size() : 0) + " deliveries");
  if (!deliveries || deliveries->empty())
    co_return said;
  const delivery_attempt delivered{.id = deliveries->front().id, .status = 204, .delivered = true};
  auto recorded = co_await jobs.record_delivery(delivered);
  on_loop();
  said.push_back(recorded ? std::string(recorded->state == delivery_state::delivered ? "delivered" : "pending") : "?");
  auto next = co_await jobs.next_delivery_due();
  on_loop();
  said.push_back(next && !*next ? "nothing due" : "something due");
  const upload_record upload{std::string(64, 'c'), "https://cdn.test/c.png", 3};
  auto uploaded = co_await jobs.record_upload(upload);
  on_loop();
  auto by_url = co_await jobs.find_upload_by_url(upload.url);
  on_loop();
  said.push_back(uploaded && by_url && *by_url ? (*by_url)->sha256.substr(0, 4) : "no upload");
  co_return said;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, AsyncJobs, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST_P(AsyncJobs, AnswersAsTheStoreDoesAndResumesOnTheCallersThread)
{
  async_jobs jobs(*store_);
  thread_check on_loop;
  const auto said = test::run_sync(io_, a_jobs_life(jobs, on_loop));
  const std::vector<std::string> expected{"created",       "queued",      "failed",      "stale",
                                          "2 events",      "1 listed",    "1 deliveries", "delivered",
                                          "nothing due",   "cccc"};
  EXPECT_EQ(said, expected);
  EXPECT_TRUE(on_loop.same) << "every co_await resumes on the io_context's thread";
}

TEST_P(AsyncJobs, ReadsOfEveryKindAnswer)
{
  async_jobs jobs(*store_);
  ASSERT_TRUE(store_->insert(test::make_job()));
  const auto task = [&]() -> asio::awaitable<int> {
    int ok = 0;
    const auto now = now_ms();
    const std::string day = "2026-01-01";
    const std::optional<std::string> anyone;
    ok += static_cast<bool>(co_await jobs.counts());
    ok += static_cast<bool>(co_await jobs.held_jobs(10));
    ok += static_cast<bool>(co_await jobs.budget_used(day));
    ok += static_cast<bool>(co_await jobs.usage(day, day, usage_group::day, anyone));
    ok += static_cast<bool>(co_await jobs.count_finished_since(job_state::failed, now));
    ok += static_cast<bool>(co_await jobs.events_after(0, 10));
    ok += static_cast<bool>(co_await jobs.due_deliveries(now, 10));
    ok += static_cast<bool>(co_await jobs.mirror_backlog(10));
    ok += static_cast<bool>(co_await jobs.result_files());
    ok += static_cast<bool>(co_await jobs.unfinished());
    ok += static_cast<bool>(co_await jobs.claim_unfinished(10));
    ok += static_cast<bool>(co_await jobs.renew_lease());
    ok += static_cast<bool>(co_await jobs.release_lease());
    co_return ok;
  };
  EXPECT_EQ(test::run_sync(io_, task()), 13);
}
