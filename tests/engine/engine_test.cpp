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

} // namespace

TEST(EngineInProcess, JobsRunToTheEndAndEveryTransitionIsPublishedInOrder)
{
  test::temp_dir dir;
  weshop_sim::test_ca ca("engine test CA");
  ca.write_cert(dir.file("ca.pem"));
  ca.issue({}, dir.file("server.pem"), dir.file("server.key"));

  boost::asio::io_context sim_io;
  weshop_sim::sim_options sim_options;
  sim_options.cert_file = dir.file("server.pem");
  sim_options.key_file = dir.file("server.key");
  sim_options.api_key = "engine-test-key";
  sim_options.run_timing = {10ms, 10ms, 20ms};
  sim_options.callbacks = weshop_sim::callback_mode::off;
  weshop_sim::sim_server sim(sim_io, sim_options);
  sim.start();
  std::thread sim_thread([&] { sim_io.run(); });

  auto store = test::open_store(dir.file("jobs.db"));
  boost::asio::io_context io;
  upstream::weshop_client client(io.get_executor(), upstream::api_key("engine-test-key"),
                                 {.test_origin = sim.bound().api, .ca_file = dir.file("ca.pem")});
  engine::engine_options options;
  options.poll_initial = 20ms;
  options.poll_cap = 100ms;
  engine::engine engine(io.get_executor(), *store, client, options);
  run_until_done(io, [&]() -> boost::asio::awaitable<bool> {
    co_await engine.start();
    co_return true;
  }());
  auto events = engine.feed().subscribe({}, 10000);

  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    auto created = run_until_done(io, engine.create(test::make_job("aipose", "pose " + std::to_string(i))));
    ASSERT_TRUE(created);
    ids.push_back(created->created_or_existing.id);
  }
  const auto canceled = run_until_done(io, engine.cancel(ids.back()));
  ASSERT_TRUE(canceled);

  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::size_t finished = 0;
  while (finished < ids.size() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(50ms);
    finished = 0;
    for (const auto& id : ids)
      finished += is_terminal(store->get(id)->state);
  }
  ASSERT_EQ(finished, ids.size());
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

  engine.stop();
  sim_io.stop();
  sim_thread.join();
}
