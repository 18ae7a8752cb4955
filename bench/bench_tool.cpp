// Helpers for bench/run.py that need C++ speed or weshopd's own schema.
//   weshopd-bench-tool ceiling DB ROWS BATCH   the group-commit ceiling: the rows a job
//       insert writes (job, event, latest-event link), BATCH per transaction, with the
//       store's own pragmas (WAL, synchronous=FULL); prints rows per second.
//   weshopd-bench-tool seed DB TOTAL UNFINISHED   a database of TOTAL jobs, UNFINISHED
//       of them `running`, for the restart benchmark; prints the seconds it took.
//   weshopd-bench-tool soak DB TOTAL RETENTION_MINUTES   TOTAL jobs through the store's
//       writes and the retention sweep on a fake clock (#21); prints the size as it goes.
#include "common/sha256.hpp"
#include "common/time.hpp"
#include "common/uuid7.hpp"
#include "mirror/retention_sweep.hpp"
#include "store/job_store.hpp"
#include "store/sqlite.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <iostream>
#include <string>

using namespace weshopd;

namespace {

const std::string input = R"({"originalImage":"https://example.com/a.png"})";
const std::string params = R"({"batchCount":1,"textDescription":"sit"})";

void migrate(const std::string& path)
{
  if (auto opened = store::job_store::open({.path = path}); !opened)
    throw std::runtime_error("open " + path + ": " + opened.error().message());
}

// The statements job_store::async_insert runs for one new job.
void insert_job(store::connection& db, const std::string& id, std::string_view state, std::int64_t at)
{
  const bool finished = state == "succeeded";
  db.prepare("INSERT INTO jobs (id, agent, agent_version, input, params, state, request_hash, execution_id,"
             " results, created_at, updated_at, finished_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
    ->bind_all(id, "aipose", "v1.0", input, params, state, sha256_hex(id),
               state == "queued" ? std::nullopt : std::optional("run-" + id),
               finished ? R"([{"status":"Success","image":"https://example.com/r.png"}])" : "[]", at, at,
               finished ? std::optional(at) : std::nullopt, state == "running" ? std::optional(at) : std::nullopt)
    .step();
  db.prepare("INSERT INTO job_events (job_id, from_state, to_state, at, detail) VALUES (?, NULL, ?, ?, 'created')")
    ->bind_all(id, state, at)
    .step();
  db.prepare("UPDATE jobs SET last_event_id = last_insert_rowid() WHERE id = ?")->bind_all(id).step();
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int ceiling(const std::string& path, long rows, long batch)
{
  migrate(path);
  store::connection db({.path = path});
  uuid7_generator ids;
  const auto start = std::chrono::steady_clock::now();
  for (long done = 0; done < rows;) {
    store::transaction tx(db);
    for (long i = 0; i < batch && done < rows; ++i, ++done)
      insert_job(db, ids.next(), "queued", to_unix_ms(now_ms()));
    tx.commit();
  }
  std::printf("%.0f\n", static_cast<double>(rows) / seconds_since(start));
  return 0;
}

int seed(const std::string& path, long total, long unfinished)
{
  migrate(path);
  store::connection db({.path = path, .synchronous = "off"});
  uuid7_generator ids;
  const auto start = std::chrono::steady_clock::now();
  const auto at = to_unix_ms(now_ms());
  for (long done = 0; done < total;) {
    store::transaction tx(db);
    for (long i = 0; i < 20000 && done < total; ++i, ++done)
      insert_job(db, ids.next(), done < total - unfinished ? "succeeded" : "running", at);
    tx.commit();
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::printf("%.1f\n", seconds_since(start));
  return 0;
}

// --- soak: a year of jobs in minutes (#21) ---

// Runs `count` async writes `start(i, done)` through the store's writer at
// once (group commit batches them) and waits for every callback.
template <class T, class Start>
void all_at_once(long count, Start start)
{
  std::latch left(count);
  std::atomic<long> failed{0};
  for (long i = 0; i < count; ++i)
    start(i, [&](result<T> r) {
      if (!r)
        failed.fetch_add(1);
      left.count_down();
    });
  left.wait();
  if (failed.load() != 0)
    throw std::runtime_error(std::to_string(failed.load()) + " store writes failed");
}

store::new_job soak_job(const std::string& key)
{
  return {.agent = "aipose",
          .agent_version = "v1.0",
          .input = boost::json::parse(input).as_object(),
          .params = boost::json::parse(params).as_object(),
          .idempotency_key = key,
          .request_hash = sha256_hex(key),
          .images = 1,
          .unit_price = 100};
}

// One round: `count` jobs from intake to succeeded with a mirrored copy,
// each write as the daemon makes it.
void run_round(store::job_store& jobs, long count, long first, const std::string& mirror_dir)
{
  std::vector<std::string> ids(count);
  all_at_once<store::insert_result>(count, [&](long i, auto done) {
    jobs.async_insert(soak_job("soak-" + std::to_string(first + i)), [&ids, i, done](auto r) {
      if (r)
        ids[i] = r->created_or_existing.id;
      done(std::move(r));
    });
  });
  const auto move = [&](job_state from, job_state to, auto patch_of) {
    all_at_once<job>(count, [&](long i, auto done) {
      jobs.async_transition(ids[i], from, to, patch_of(i), "", std::move(done));
    });
  };
  move(job_state::queued, job_state::submitting, [](long) { return store::job_patch{}; });
  move(job_state::submitting, job_state::running,
       [&](long i) { return store::job_patch{.execution_id = "run-" + ids[i]}; });
  const auto results = boost::json::parse(R"([{"status":"Success","image":"https://example.com/r.png"}])").as_array();
  move(job_state::running, job_state::succeeded,
       [&](long) { return store::job_patch{.results = results, .images_actual = 1, .mirror_results = true}; });
  all_at_once<bool>(count, [&](long i, auto done) {
    store::result_file copy{.job_id = ids[i], .n = 0, .path = mirror_dir + "/" + ids[i] + "/0.png",
                            .sha256 = sha256_hex(ids[i]), .bytes = 1000, .content_type = "image/png"};
    jobs.async_record_mirror(ids[i], {copy}, "", std::move(done));
  });
}

std::uint64_t file_bytes(const std::string& path)
{
  std::error_code ec;
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"})
    if (auto n = std::filesystem::file_size(path + suffix, ec); !ec)
      total += n;
  return total;
}

// TOTAL jobs pass through the real store and retention sweep on a fake clock
// that moves a simulated minute per 1,000 jobs; jobs are kept RETENTION
// simulated minutes and swept every tenth of that. Prints "jobs bytes" at
// each sweep, then the plateau (the largest size once the first retention
// period was reached) and the final size's ratio to it.
int soak(const std::string& path, long total, long retention_minutes)
{
  constexpr long per_round = 1000; // one simulated minute
  std::atomic<std::int64_t> clock_ms{to_unix_ms(now_ms())};
  auto clock = [&clock_ms] { return from_unix_ms(clock_ms.load()); };
  auto opened = store::job_store::open({.path = path, .synchronous = "normal", .clock = clock});
  if (!opened)
    throw std::runtime_error("open " + path + ": " + opened.error().message());
  auto& jobs = **opened;
  boost::asio::io_context io;
  // The copies' rows name files under this folder that are never written: the sweep's
  // deletes find nothing (the rows, not the files, are what fill the database).
  const std::string mirror_dir = path + ".mirror";
  std::filesystem::create_directories(mirror_dir);
  mirror::retention_sweep sweep(
    io.get_executor(), jobs,
    {.retention = std::chrono::minutes(retention_minutes), .mirror_dir = mirror_dir, .clock = clock});
  const long sweep_every = std::max(1L, retention_minutes / 10);
  std::uint64_t plateau = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long round = 0; round * per_round < total; ++round) {
    run_round(jobs, per_round, round * per_round, mirror_dir);
    clock_ms.fetch_add(60'000);
    if ((round + 1) % sweep_every != 0)
      continue;
    auto swept = boost::asio::co_spawn(io, sweep.sweep_once(), boost::asio::use_future);
    io.restart();
    io.run();
    const auto report = swept.get();
    const auto bytes = file_bytes(path);
    if (round >= retention_minutes)
      plateau = std::max(plateau, bytes);
    std::printf("%ld %llu %zu\n", (round + 1) * per_round, static_cast<unsigned long long>(bytes), report.purged);
    std::fflush(stdout);
  }
  const auto final_bytes = file_bytes(path);
  std::printf("plateau %llu final %llu ratio %.3f seconds %.0f\n", static_cast<unsigned long long>(plateau),
              static_cast<unsigned long long>(final_bytes),
              plateau ? static_cast<double>(final_bytes) / static_cast<double>(plateau) : 0.0, seconds_since(start));
  return 0;
}

} // namespace

int main(int argc, char** argv)
{
  const std::string usage = "usage: weshopd-bench-tool ceiling DB ROWS BATCH | seed DB TOTAL UNFINISHED"
                            " | soak DB TOTAL RETENTION_MINUTES\n";
  if (argc != 5) {
    std::cerr << usage;
    return 2;
  }
  try {
    const std::string command = argv[1];
    if (command == "ceiling")
      return ceiling(argv[2], std::stol(argv[3]), std::stol(argv[4]));
    if (command == "seed")
      return seed(argv[2], std::stol(argv[3]), std::stol(argv[4]));
    if (command == "soak")
      return soak(argv[2], std::stol(argv[3]), std::stol(argv[4]));
  } catch (const std::exception& e) {
    std::cerr << "weshopd-bench-tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << usage;
  return 2;
}
