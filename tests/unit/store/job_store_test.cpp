#include "store/job_store.hpp"

#include "job/job_json.hpp"

#include "common/postgres_server.hpp"
#include "common/store_fixtures.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

using namespace weshopd;
using namespace weshopd::store;
using weshopd::test::make_job;
using weshopd::test::open_store;

// The store's contract, kept by every backend (test::backend_store).
class JobStore : public weshopd::test::backend_store {};

INSTANTIATE_TEST_SUITE_P(Backends, JobStore, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST_P(JobStore, InsertThenGetRoundTripsEveryField)
{
  auto j = make_job("aipose", "arms crossed");
  j.deadline_at = from_unix_ms(2'000'000'000'000);
  const auto inserted = store_->insert(j);
  ASSERT_TRUE(inserted) << inserted.error().message();
  EXPECT_TRUE(inserted->created);
  const auto& created = inserted->created_or_existing;
  EXPECT_TRUE(looks_like_uuid(created.id));
  EXPECT_EQ(created.state, job_state::queued);

  const auto got = store_->get(created.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->agent, "aipose");
  EXPECT_EQ(got->agent_version, "v1.0");
  EXPECT_EQ(got->params.at("textDescription"), "arms crossed");
  EXPECT_EQ(got->input.at("originalImage"), "https://x.test/a.png");
  EXPECT_EQ(got->request_hash, j.request_hash);
  EXPECT_EQ(got->deadline_at, j.deadline_at);
  EXPECT_EQ(got->created_at, created.created_at);
  EXPECT_EQ(to_json(*got), to_json(created)) << "the insert's answer is the row as stored";
  EXPECT_EQ(got->last_event_id, created.last_event_id);
  EXPECT_FALSE(got->finished_at);
  EXPECT_FALSE(got->error);
  EXPECT_TRUE(got->results.empty());

  const auto events = store_->events(created.id);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_FALSE((*events)[0].from);
  EXPECT_EQ((*events)[0].to, job_state::queued);
}

TEST_P(JobStore, UnknownIdIsNotFound)
{
  EXPECT_EQ(store_->get("01900000-0000-7000-8000-000000000000").error(), errc::not_found);
  EXPECT_EQ(store_->transition("nope", job_state::queued, job_state::canceled).error(), errc::not_found);
}

TEST_P(JobStore, IdempotencyKeySameBodyReturnsTheJobDifferentBodyConflicts)
{
  const auto first = store_->insert(make_job("aipose", "sit", "key-1"));
  ASSERT_TRUE(first && first->created);
  const auto again = store_->insert(make_job("aipose", "sit", "key-1"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->created_or_existing.id, first->created_or_existing.id);

  const auto other = store_->insert(make_job("aipose", "stand", "key-1"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), errc::idempotency_conflict);

  const auto page = store_->list({.limit = 10});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->jobs.size(), 1u);
}

TEST_P(JobStore, IdempotencyKeysArePerToken)
{
  const auto as = [](std::optional<std::string> token, const std::string& text) {
    auto j = make_job("aipose", text, "key-1");
    j.token_name = std::move(token);
    return j;
  };
  const auto alice = store_->insert(as("alice", "sit"));
  ASSERT_TRUE(alice && alice->created);
  const auto bob = store_->insert(as("bob", "stand"));
  ASSERT_TRUE(bob) << "bob's key-1 is not alice's";
  EXPECT_TRUE(bob->created);
  const auto nobody = store_->insert(as(std::nullopt, "lie"));
  ASSERT_TRUE(nobody) << "no token is a scope of its own";
  EXPECT_TRUE(nobody->created);
  EXPECT_NE(alice->created_or_existing.id, bob->created_or_existing.id);

  const auto again = store_->insert(as("alice", "sit"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->created_or_existing.id, alice->created_or_existing.id);
  EXPECT_EQ(store_->insert(as("bob", "sit")).error(), errc::idempotency_conflict) << "bob's key-1 is his stand";
  const auto nobody_again = store_->insert(as(std::nullopt, "lie"));
  ASSERT_TRUE(nobody_again);
  EXPECT_EQ(nobody_again->created_or_existing.id, nobody->created_or_existing.id);
  EXPECT_EQ(store_->list({.limit = 10})->jobs.size(), 3u);
}

TEST_P(JobStore, ListAndUsageFilterByTokenAndPageWithinIt)
{
  std::vector<std::string> alices;
  for (int i = 0; i < 30; ++i) {
    auto j = make_job("aipose", "job " + std::to_string(i));
    j.token_name = i % 3 ? std::optional<std::string>("bob") : std::optional<std::string>("alice");
    if (i == 29)
      j.token_name.reset();
    j.images = 1;
    j.unit_price = budget::one_unit;
    j.admit = {"2026-11-26", {}, false};
    const auto r = store_->insert(j);
    ASSERT_TRUE(r);
    if (j.token_name == "alice")
      alices.push_back(r->created_or_existing.id);
  }
  std::reverse(alices.begin(), alices.end());
  std::vector<std::string> seen;
  list_query q{.token = "alice", .limit = 3};
  for (;;) {
    const auto page = store_->list(q);
    ASSERT_TRUE(page);
    for (const auto& j : page->jobs) {
      EXPECT_EQ(j.token_name, "alice");
      seen.push_back(j.id);
    }
    if (!page->next_before)
      break;
    q.before_id = page->next_before;
  }
  EXPECT_EQ(seen, alices) << "every one of alice's jobs once, newest first, and nobody else's";
  EXPECT_TRUE(store_->list({.token = "carol"})->jobs.empty());
  EXPECT_EQ(store_->list({.limit = 500})->jobs.size(), 30u);

  const auto mine = *store_->usage("2026-11-26", "2026-11-26", usage_group::token, "alice");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].key, "alice");
  EXPECT_EQ(mine[0].jobs, 10);
  const auto by_agent = *store_->usage("2026-11-26", "2026-11-26", usage_group::agent, "bob");
  ASSERT_EQ(by_agent.size(), 1u);
  EXPECT_EQ(by_agent[0].jobs, 19);
  EXPECT_EQ(store_->usage("2026-11-26", "2026-11-26", usage_group::token, std::nullopt)->size(), 3u)
    << "alice, bob and the job without a token";
}

TEST_P(JobStore, ConcurrentRequestsWithOneKeyCreateOneJob)
{
  constexpr int threads = 8;
  std::latch start(threads);
  std::atomic<int> created{0};
  std::vector<std::string> ids(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      auto r = store_->insert(make_job("aipose", "sit", "shared-key"));
      ASSERT_TRUE(r);
      created += r->created;
      ids[static_cast<std::size_t>(t)] = r->created_or_existing.id;
    });
  for (auto& t : pool)
    t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
}

TEST_P(JobStore, TransitionAppliesPatchAndWritesAnEvent)
{
  const auto id = store_->insert(make_job())->created_or_existing.id;
  ASSERT_TRUE(store_->transition(id, job_state::queued, job_state::submitting, {}, "submit"));
  job_patch running;
  running.execution_id = "exec-1";
  running.upstream_status = "Pending";
  running.next_attempt_at = from_unix_ms(5000);
  auto r = store_->transition(id, job_state::submitting, job_state::running, running, "started");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->execution_id, "exec-1");
  EXPECT_EQ(r->next_attempt_at, from_unix_ms(5000));

  // Same-state update: no event, fields change.
  job_patch poll;
  poll.upstream_status = "Segmenting";
  r = store_->transition(id, job_state::running, job_state::running, poll);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->upstream_status, "Segmenting");
  EXPECT_EQ(r->execution_id, "exec-1");

  job_patch done;
  done.upstream_status = "Success";
  done.results = boost::json::array{boost::json::object{{"status", "Success"}, {"image", "https://cdn.test/1.png"}}};
  r = store_->transition(id, job_state::running, job_state::succeeded, done, "run succeeded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, job_state::succeeded);
  EXPECT_TRUE(r->finished_at);
  EXPECT_FALSE(r->next_attempt_at); // nothing is due for a finished job
  EXPECT_EQ(r->results.size(), 1u);

  const auto events = store_->events(id);
  ASSERT_TRUE(events);
  std::vector<job_state> path;
  for (const auto& e : *events)
    path.push_back(e.to);
  EXPECT_EQ(path, (std::vector{job_state::queued, job_state::submitting, job_state::running, job_state::succeeded}));
  EXPECT_EQ(events->back().detail, "run succeeded");
  const auto after = store_->events(id, (*events)[1].id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), 2u);
}

TEST_P(JobStore, ErrorsAreSetAndClearedByPatch)
{
  const auto id = store_->insert(make_job())->created_or_existing.id;
  job_patch fail;
  fail.error = job_error{"submit_outcome_unknown", "crashed while submitting", true};
  auto r = store_->transition(id, job_state::queued, job_state::failed, fail);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, (job_error{"submit_outcome_unknown", "crashed while submitting", true}));
  job_patch retry;
  retry.error = std::optional<job_error>{};
  r = store_->transition(id, job_state::failed, job_state::queued, retry, "retry");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->error);
  EXPECT_FALSE(r->finished_at);
}

TEST_P(JobStore, IllegalTransitionsAreRefusedAndChangeNothing)
{
  const auto id = store_->insert(make_job())->created_or_existing.id;
  ASSERT_TRUE(store_->transition(id, job_state::queued, job_state::canceled));
  const auto before = store_->get(id);
  for (auto [from, to] : {std::pair{job_state::canceled, job_state::running},
                          std::pair{job_state::succeeded, job_state::running},
                          std::pair{job_state::canceled, job_state::canceled},
                          std::pair{job_state::queued, job_state::running}}) {
    EXPECT_EQ(store_->transition(id, from, to).error(), errc::illegal_transition);
  }
  EXPECT_EQ(store_->get(id)->updated_at, before->updated_at);
  EXPECT_EQ(store_->events(id)->size(), 2u);
}

TEST_P(JobStore, CompareAndSetLetsExactlyOneRacerWin)
{
  constexpr int jobs = 100;
  for (int n = 0; n < jobs; ++n) {
    const auto id = store_->insert(make_job())->created_or_existing.id;
    std::latch start(2);
    std::atomic<int> wins{0}, stale{0};
    auto racer = [&] {
      start.arrive_and_wait();
      const auto r = store_->transition(id, job_state::queued, job_state::submitting);
      if (r)
        ++wins;
      else if (r.error() == errc::stale_state)
        ++stale;
    };
    std::thread a(racer), b(racer);
    a.join();
    b.join();
    ASSERT_EQ(wins.load(), 1) << "job " << n;
    ASSERT_EQ(stale.load(), 1) << "job " << n;
    ASSERT_EQ(store_->events(id)->size(), 2u);
  }
}

TEST_P(JobStore, KeysetPaginationReturnsEveryJobOnceNewestFirst)
{
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(store_->insert(make_job(i % 3 ? "aipose" : "aimodel"))->created_or_existing.id);
  std::reverse(ids.begin(), ids.end());

  std::vector<std::string> seen;
  list_query q{.limit = 37};
  int pages = 0;
  for (;;) {
    const auto page = store_->list(q);
    ASSERT_TRUE(page);
    ++pages;
    ASSERT_LE(page->jobs.size(), 37u);
    for (const auto& j : page->jobs)
      seen.push_back(j.id);
    if (!page->next_before)
      break;
    q.before_id = page->next_before;
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 28); // 27 full pages + 1 of 1

  // Filters use the same keyset.
  q = {.agent = "aimodel", .limit = 50};
  std::size_t aimodel = 0;
  for (;;) {
    const auto page = store_->list(q);
    for (const auto& j : page->jobs)
      EXPECT_EQ(j.agent, "aimodel");
    aimodel += page->jobs.size();
    if (!page->next_before)
      break;
    q.before_id = page->next_before;
  }
  EXPECT_EQ(aimodel, 334u);
  ASSERT_TRUE(store_->transition(ids[5], job_state::queued, job_state::canceled));
  const auto canceled = store_->list({.state = job_state::canceled});
  ASSERT_EQ(canceled->jobs.size(), 1u);
  EXPECT_EQ(canceled->jobs[0].id, ids[5]);
  EXPECT_FALSE(canceled->next_before);
}

TEST_P(JobStore, UploadsAreRecordedOncePerDigest)
{
  EXPECT_FALSE(store_->find_upload("abc").value());
  EXPECT_EQ(store_->record_upload({"abc", "https://cdn.test/u1.png", 10}).value(), true);
  EXPECT_EQ(store_->record_upload({"abc", "https://cdn.test/u2.png", 10}).value(), false);
  const auto found = store_->find_upload("abc");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->url, "https://cdn.test/u1.png");
  const auto by_url = store_->find_upload_by_url("https://cdn.test/u1.png");
  ASSERT_TRUE(by_url && *by_url);
  EXPECT_EQ((*by_url)->sha256, "abc");
  EXPECT_FALSE(store_->find_upload_by_url("https://cdn.test/u2.png").value());
}

TEST_P(JobStore, FinishedJobsAreCountedFromAGivenTime)
{
  const auto a = store_->insert(make_job("aipose"))->created_or_existing.id;
  const auto b = store_->insert(make_job("aipose", "stand"))->created_or_existing.id;
  store_->insert(make_job("aimodel"));
  const auto before = now_ms() - std::chrono::seconds(1);
  ASSERT_TRUE(store_->transition(a, job_state::queued, job_state::failed));
  ASSERT_TRUE(store_->transition(b, job_state::queued, job_state::canceled));
  EXPECT_EQ(store_->count_finished_since(job_state::failed, before).value(), 1);
  EXPECT_EQ(store_->count_finished_since(job_state::canceled, before).value(), 1);
  EXPECT_EQ(store_->count_finished_since(job_state::succeeded, before).value(), 0);
  EXPECT_EQ(store_->count_finished_since(job_state::failed, now_ms() + std::chrono::hours(1)).value(), 0);
}

TEST_P(JobStore, TenThousandConcurrentInsertsFromEightThreadsSurviveReopen)
{
  constexpr int threads = 8, per_thread = 1250;
  std::vector<std::vector<std::string>> acked(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mutex m;
      std::condition_variable cv;
      int pending = 0;
      for (int i = 0; i < per_thread; ++i) {
        {
          std::lock_guard lock(m);
          ++pending;
        }
        store_->async_insert(make_job("aipose", "t" + std::to_string(t) + "-" + std::to_string(i)),
                             [&](result<insert_result> r) {
                               std::lock_guard lock(m);
                               EXPECT_TRUE(r);
                               if (r)
                                 acked[static_cast<std::size_t>(t)].push_back(r->created_or_existing.id);
                               --pending;
                               cv.notify_one();
                             });
      }
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return pending == 0; });
    });
  for (auto& t : pool)
    t.join();

  const auto stats = store_->writer_stats();
  EXPECT_EQ(stats.units, static_cast<std::uint64_t>(threads * per_thread));
  EXPECT_LT(stats.batches, stats.units); // writes were grouped
  store_.reset();

  auto reopened = open();
  std::size_t total = 0;
  for (const auto& ids : acked)
    for (const auto& id : ids) {
      ASSERT_TRUE(reopened->get(id)) << id;
      ++total;
    }
  EXPECT_EQ(total, static_cast<std::size_t>(threads * per_thread));
}

TEST_P(JobStore, EachTransitionIsTheJobsLatestEventAndQueuesItsWebhook)
{
  auto j = make_job();
  j.notify_url = "http://127.0.0.1:9/hook";
  const auto created = store_->insert(j)->created_or_existing;
  EXPECT_EQ(created.notify_url, j.notify_url);
  EXPECT_GT(created.last_event_id, 0);
  EXPECT_TRUE(store_->deliveries(created.id)->empty()) << "terminal events only, by default";

  store::job_patch token;
  token.callback_token_hash = std::string(64, 'a');
  const auto submitting = store_->transition(created.id, job_state::queued, job_state::submitting, token);
  ASSERT_TRUE(submitting);
  EXPECT_EQ(submitting->callback_token_hash, std::string(64, 'a'));
  EXPECT_GT(submitting->last_event_id, created.last_event_id);
  const auto failed = store_->transition(created.id, job_state::submitting, job_state::failed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(store_->events(created.id)->back().id, failed->last_event_id);

  const auto queued = store_->deliveries(created.id);
  ASSERT_EQ(queued->size(), 1u);
  const auto& d = (*queued)[0];
  EXPECT_EQ(d.event_id, failed->last_event_id);
  EXPECT_EQ(d.event_state, job_state::failed);
  EXPECT_EQ(d.state, delivery_state::pending);
  EXPECT_EQ(store_->due_deliveries(now_ms() + std::chrono::seconds(1), 10)->size(), 1u);
  EXPECT_EQ(*store_->next_delivery_due(), d.next_attempt_at);

  // An attempt to retry later, then the one that delivers; a settled delivery takes no more.
  const auto later = now_ms() + std::chrono::hours(1);
  const auto retried = store_->record_delivery({.id = d.id, .status = 503, .error = "HTTP 503", .retry_at = later});
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->next_attempt_at, later);
  EXPECT_TRUE(store_->due_deliveries(now_ms(), 10)->empty());
  const auto done = store_->record_delivery({.id = d.id, .status = 204, .delivered = true});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, delivery_state::delivered);
  EXPECT_FALSE(done->next_attempt_at);
  EXPECT_TRUE(done->delivered_at);
  EXPECT_FALSE(*store_->next_delivery_due());
  EXPECT_EQ(store_->record_delivery({.id = d.id, .delivered = true}).error(), errc::stale_state);
}

TEST_P(JobStore, EveryTransitionQueuesAWebhookWhenAskedFor)
{
  auto j = make_job();
  j.notify_url = "http://127.0.0.1:9/hook";
  j.notify_all = true;
  const auto id = store_->insert(j)->created_or_existing.id;
  ASSERT_TRUE(store_->transition(id, job_state::queued, job_state::canceled));
  EXPECT_EQ(store_->deliveries(id)->size(), 2u);
  EXPECT_EQ(store_->events_after(0, 100)->size(), 2u);
  EXPECT_EQ(store_->events_after(store_->events(id)->front().id, 100)->size(), 1u);
}

TEST_P(JobStore, CountsByAgentAndStateFollowEveryChangeAndSurviveReopening)
{
  const auto a = store_->insert(make_job("aipose"))->created_or_existing.id;
  store_->insert(make_job("aipose", "stand"));
  const auto c = store_->insert(make_job("aimodel"))->created_or_existing.id;
  ASSERT_TRUE(store_->transition(a, job_state::queued, job_state::canceled));
  ASSERT_TRUE(store_->transition(c, job_state::queued, job_state::uploading));
  ASSERT_FALSE(store_->transition(c, job_state::queued, job_state::canceled)) << "a lost CAS counts nothing";
  const auto expected = [](const std::vector<store::job_count>& counts) {
    std::vector<std::string> out;
    for (const auto& k : counts)
      out.push_back(k.agent + "/" + k.state + "=" + std::to_string(k.jobs));
    return out;
  };
  const std::vector<std::string> want{"aimodel/uploading=1", "aipose/canceled=1", "aipose/queued=1"};
  EXPECT_EQ(expected(*store_->counts()), want);
  store_.reset();
  store_ = open();
  EXPECT_EQ(expected(*store_->counts()), want);
}

TEST_P(JobStore, MirroredCopiesShowInTheJobUntilTheyExpire)
{
  const auto id = store_->insert(make_job())->created_or_existing.id;
  ASSERT_TRUE(store_->transition(id, job_state::queued, job_state::submitting));
  ASSERT_TRUE(store_->transition(id, job_state::submitting, job_state::running));
  job_patch p;
  p.results = boost::json::array{boost::json::object{{"status", "Success"}, {"image", "https://cdn.test/0.png"}},
                                 boost::json::object{{"status", "Success"}, {"image", "https://cdn.test/1.png"}}};
  p.mirror_results = true;
  ASSERT_TRUE(store_->transition(id, job_state::running, job_state::succeeded, p));
  ASSERT_EQ(store_->mirror_backlog(10)->size(), 1u);
  (void)to_json(*store_->get(id)); // a cached view, which the writes below must drop

  result_file f;
  f.n = 1;
  f.path = "/x/1.png";
  f.sha256 = "ab";
  f.bytes = 7;
  f.content_type = "image/png";
  ASSERT_TRUE(store_->record_mirror(id, {f}));
  EXPECT_TRUE(store_->mirror_backlog(10)->empty());
  auto results = store_->get(id)->results;
  EXPECT_FALSE(results[0].as_object().contains("localUrl"));
  EXPECT_EQ(results[1].at("localUrl"), boost::json::value("/v1/jobs/" + id + "/results/1"));
  EXPECT_EQ(results[1].at("bytes"), 7);
  EXPECT_EQ((*store_->find_result_file(id, 1))->path, "/x/1.png");
  EXPECT_FALSE(*store_->find_result_file(id, 0));
  EXPECT_EQ(store_->result_files()->size(), 1u);

  EXPECT_EQ(*store_->expire_mirrors({id}), 1u);
  results = store_->get(id)->results;
  EXPECT_FALSE(results[1].as_object().contains("localUrl"));
  EXPECT_EQ(results[1].at("image"), "https://cdn.test/1.png");
  EXPECT_TRUE(store_->result_files()->empty());
  EXPECT_EQ(store_->get(id)->state, job_state::succeeded);
}

namespace {

// A job of `images` images at one unit each, admitted against `limits`.
store::new_job priced_job(const std::string& agent, std::int64_t images, const std::vector<budget::scope_limit>& limits,
                          bool hold = false, const std::string& text = "sit down")
{
  auto j = make_job(agent, text);
  j.images = images;
  j.unit_price = budget::one_unit;
  j.admit = {"2026-11-26", limits, hold};
  return j;
}

} // namespace

TEST_P(JobStore, AdmissionNeverOvershootsABudgetAndFinishedJobsCountWhatTheyCost)
{
  const std::vector<budget::scope_limit> limits{{"global", 10 * budget::one_unit}, {"agent:aipose", 6 * budget::one_unit}};
  const auto a = store_->insert(priced_job("aipose", 4, limits));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->created_or_existing.budget_window, "2026-11-26");
  EXPECT_FALSE(a->created_or_existing.held);
  EXPECT_EQ(store_->insert(priced_job("aipose", 4, limits, false, "b")).error(), errc::budget_exceeded)
    << "aipose would reach 8 of 6";
  const std::vector<budget::scope_limit> global_only{limits[0]}; // what applies to another agent
  ASSERT_TRUE(store_->insert(priced_job("aimodel", 6, global_only, false, "c"))) << "global reaches 10 of 10";
  EXPECT_EQ(store_->insert(priced_job("aimodel", 1, global_only, false, "d")).error(), errc::budget_exceeded);
  auto used = *store_->budget_used("2026-11-26");
  EXPECT_EQ(used["global"], 10 * budget::one_unit);
  EXPECT_EQ(used["agent:aipose"], 4 * budget::one_unit);

  // A job that fails before WeShop had a run costs nothing; one that
  // succeeds costs the images it produced.
  const auto id = a->created_or_existing.id;
  ASSERT_TRUE(store_->transition(id, job_state::queued, job_state::submitting));
  store::job_patch started;
  started.execution_id = "run-1";
  ASSERT_TRUE(store_->transition(id, job_state::submitting, job_state::running, started));
  store::job_patch ended;
  ended.images_actual = 3;
  ASSERT_TRUE(store_->transition(id, job_state::running, job_state::succeeded, ended));
  used = *store_->budget_used("2026-11-26");
  EXPECT_EQ(used["global"], 9 * budget::one_unit);
  EXPECT_EQ(used["agent:aipose"], 3 * budget::one_unit);

  const auto usage = *store_->usage("2026-11-26", "2026-11-26", store::usage_group::agent, std::nullopt);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].key, "aimodel");
  EXPECT_EQ(usage[1].key, "aipose");
  EXPECT_EQ(usage[1].images_requested, 4);
  EXPECT_EQ(usage[1].images_produced, 3);
  EXPECT_EQ(usage[1].spend, 3 * budget::one_unit);
  EXPECT_EQ(usage[0].spend, 6 * budget::one_unit) << "unfinished: what it may cost";
  EXPECT_TRUE(store_->usage("2026-11-27", "2026-12-01", store::usage_group::day, std::nullopt)->empty());

  // Reopened, the ledger is as it was (it lives in the database).
  store_.reset();
  store_ = open();
  EXPECT_EQ((*store_->budget_used("2026-11-26"))["global"], 9 * budget::one_unit);
}

TEST_P(JobStore, OverBudgetJobsAreHeldAndAdmittedWhenThereIsRoom)
{
  const std::vector<budget::scope_limit> limits{{"global", 4 * budget::one_unit}};
  const auto first = store_->insert(priced_job("aipose", 4, limits, true))->created_or_existing;
  const auto held = store_->insert(priced_job("aipose", 2, limits, true, "later"))->created_or_existing;
  EXPECT_FALSE(first.held);
  EXPECT_TRUE(held.held);
  EXPECT_FALSE(held.budget_window);
  EXPECT_EQ(store_->held_jobs(10)->size(), 1u);
  EXPECT_FALSE(store_->admit_held(held.id, {"2026-11-26", limits, true})->admitted) << "still no room";

  // The next window has room.
  const auto admitted = store_->admit_held(held.id, {"2026-11-27", limits, true});
  ASSERT_TRUE(admitted);
  EXPECT_TRUE(admitted->admitted);
  EXPECT_FALSE(admitted->current.held);
  EXPECT_EQ(admitted->current.budget_window, "2026-11-27");
  EXPECT_EQ((*store_->budget_used("2026-11-27"))["global"], 2 * budget::one_unit);
  EXPECT_TRUE(store_->held_jobs(10)->empty());
  EXPECT_FALSE(store_->admit_held(held.id, {"2026-11-28", limits, true})->admitted) << "admitted once";
}

TEST_P(JobStore, EachThresholdIsAnnouncedOncePerWindow)
{
  const std::vector<budget::scope_limit> limits{{"global", 10 * budget::one_unit}};
  EXPECT_TRUE(store_->insert(priced_job("aipose", 7, limits))->alerts.empty());
  const auto at_80 = store_->insert(priced_job("aipose", 1, limits, false, "b"))->alerts;
  ASSERT_EQ(at_80.size(), 1u);
  EXPECT_EQ(at_80[0].percent, 80);
  EXPECT_EQ(at_80[0].used, 8 * budget::one_unit);
  EXPECT_TRUE(store_->insert(priced_job("aipose", 1, limits, false, "c"))->alerts.empty());
  const auto at_100 = store_->insert(priced_job("aipose", 1, limits, false, "d"))->alerts;
  ASSERT_EQ(at_100.size(), 1u);
  EXPECT_EQ(at_100[0].percent, 100);
}

TEST_P(JobStore, ConcurrentAdmissionsFromEightThreadsTakeExactlyTheBudget)
{
  const std::vector<budget::scope_limit> limits{{"global", 100 * budget::one_unit}};
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const auto r = store_->insert(priced_job("aipose", 1, limits, false, std::to_string(t) + "/" + std::to_string(i)));
        if (r)
          ++admitted;
        else if (r.error() == errc::budget_exceeded)
          ++refused;
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(admitted.load(), 100);
  EXPECT_EQ(refused.load(), 220);
  EXPECT_EQ((*store_->budget_used("2026-11-26"))["global"], 100 * budget::one_unit);
}
