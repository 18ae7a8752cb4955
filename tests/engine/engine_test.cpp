// The engine in one process with everything real but the network's far end
// in-process too: a weshop-sim server on its own thread, the SQLite store with
// its group-commit writer thread, the HTTPS client. Built for the tsan preset
// as well: the store's completions cross threads back to the engine.

#include "common/store_fixtures.hpp"
#include "engine/engine.hpp"
#include "sim_server.hpp"
#include "test_pki.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <thread>

using namespace weshopd;
using namespace std::chrono_literals;

namespace {

// Runs `task` to completion on `io`, which keeps other work (the engine's
// scheduler) and so never runs out of it.
template <class T>
T run_until_done(boost::asio::io_context& io, boost::asio::awaitable<T> task)
{
  std::optional<T> out;
  boost::asio::co_spawn(
    io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); }, boost::asio::detached);
  while (!out)
    io.run_for(5ms);
  return std::move(*out);
}

// A weshop-sim on its own thread, a SQLite store, the HTTPS client; the
// engine itself is made by each test with its own options.
class EngineInProcess : public ::testing::Test {
protected:
  test::temp_dir dir;
  weshop_sim::test_ca ca{"engine test CA"};
  boost::asio::io_context sim_io;
  std::unique_ptr<weshop_sim::sim_server> sim;
  std::thread sim_thread;
  std::unique_ptr<store::job_store> store;
  boost::asio::io_context io;
  std::unique_ptr<upstream::weshop_client> client;
  std::unique_ptr<engine::engine> engine;

  void SetUp() override
  {
    ca.write_cert(dir.file("ca.pem"));
    ca.issue({}, dir.file("server.pem"), dir.file("server.key"));
    weshop_sim::sim_options sim_options;
    sim_options.cert_file = dir.file("server.pem");
    sim_options.key_file = dir.file("server.key");
    sim_options.api_key = "engine-test-key";
    sim_options.run_timing = {10ms, 10ms, 20ms};
    sim_options.callbacks = weshop_sim::callback_mode::off;
    sim = std::make_unique<weshop_sim::sim_server>(sim_io, sim_options);
    sim->start();
    sim_thread = std::thread([&] { sim_io.run(); });
    store = test::open_store(dir.file("jobs.db"));
    client = std::make_unique<upstream::weshop_client>(
      io.get_executor(), upstream::api_key("engine-test-key"),
      upstream::weshop_client_options{.test_origin = sim->bound().api, .ca_file = dir.file("ca.pem")});
  }

  void TearDown() override
  {
    if (engine)
      engine->stop();
    sim_io.stop();
    sim_thread.join();
  }

  void start(engine::engine_options options)
  {
    options.poll_initial = 20ms;
    options.poll_cap = 100ms;
    engine = std::make_unique<engine::engine>(io.get_executor(), *store, *client, options);
    run_until_done(io, [&]() -> boost::asio::awaitable<bool> {
      co_await engine->start();
      co_return true;
    }());
  }

  // Runs the engine until every job is terminal (or 30 s went by).
  bool run_until_finished(const std::vector<std::string>& ids)
  {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      std::size_t finished = 0;
      for (const auto& id : ids)
        finished += is_terminal(store->get(id)->state);
      if (finished == ids.size())
        return true;
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      io.run_for(50ms);
    }
  }
};

} // namespace

TEST_F(EngineInProcess, JobsRunToTheEndAndEveryTransitionIsPublishedInOrder)
{
  start({});
  auto events = engine->feed().subscribe({}, 10000);

  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    auto created = run_until_done(io, engine->create(test::make_job("aipose", "pose " + std::to_string(i))));
    ASSERT_TRUE(created);
    ids.push_back(created->created_or_existing.id);
  }
  const auto canceled = run_until_done(io, engine->cancel(ids.back()));
  ASSERT_TRUE(canceled);

  ASSERT_TRUE(run_until_finished(ids));
  for (std::size_t i = 0; i + 1 < ids.size(); ++i)
    EXPECT_EQ(store->get(ids[i])->state, job_state::succeeded) << ids[i];
  EXPECT_EQ(store->get(ids.back())->state, job_state::canceled);

  // The feed carried each job's transitions in event-id order.
  const auto published = run_until_done(io, events->next(10ms));
  std::int64_t last = 0;
  std::map<std::string, std::vector<job_state>> by_job;
  for (const auto& item : published) {
    EXPECT_GT(item->event_id, last);
    last = item->event_id;
    by_job[item->snapshot.id].push_back(item->snapshot.state);
  }
  EXPECT_EQ(by_job[ids.front()],
            (std::vector<job_state>{job_state::queued, job_state::submitting, job_state::running, job_state::succeeded}));
  EXPECT_EQ(by_job[ids.back()].back(), job_state::canceled);
}

TEST_F(EngineInProcess, HeldJobsStartWhenTheBudgetWindowResets)
{
  // A budget of 4 images a day, policy hold, and a clock the test moves.
  auto policy = std::make_shared<const budget::budget_policy>(
    budget::policy_options{.daily = 4 * budget::one_unit, .policy = budget::over_budget::hold});
  timestamp now = now_ms();
  std::vector<budget::budget_alert> alerts;
  engine::engine_options options;
  options.budget = policy;
  options.clock = [&now] { return now; };
  options.held_check = 50ms;
  options.on_budget_alert = [&alerts](const budget::budget_alert& a) { alerts.push_back(a); };
  start(options);

  const auto priced = [&](const std::string& text, std::int64_t images) {
    auto j = test::make_job("aipose", text);
    j.params["batchCount"] = images;
    j.images = images;
    j.unit_price = budget::one_unit;
    j.admit = {policy->window_of(now), policy->limits_for("aipose", std::nullopt), true};
    return j;
  };
  const auto today = policy->window_of(now);
  const auto first = run_until_done(io, engine->create(priced("first", 4)));
  const auto second = run_until_done(io, engine->create(priced("second", 2)));
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->created_or_existing.held);
  EXPECT_TRUE(second->created_or_existing.held);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].percent, 100);

  const std::vector<std::string> ids{first->created_or_existing.id, second->created_or_existing.id};
  ASSERT_TRUE(run_until_finished({ids[0]}));
  io.run_for(300ms); // several held checks: still no room today
  EXPECT_EQ(store->get(ids[1])->state, job_state::queued);
  EXPECT_TRUE(store->get(ids[1])->held);

  now = policy->window_end(now) + 1min; // the next budget day
  ASSERT_TRUE(run_until_finished(ids));
  const auto admitted = *store->get(ids[1]);
  EXPECT_EQ(admitted.state, job_state::succeeded);
  EXPECT_FALSE(admitted.held);
  EXPECT_EQ(admitted.budget_window, policy->window_of(now));
  EXPECT_NE(admitted.budget_window, today);
  EXPECT_EQ(admitted.images_actual, 2);
  EXPECT_EQ((*store->budget_used(today))["global"], 4 * budget::one_unit);
  EXPECT_EQ((*store->budget_used(policy->window_of(now)))["global"], 2 * budget::one_unit);
}
