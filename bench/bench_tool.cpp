// Helpers for bench/run.py that need C++ speed or weshopd's own schema.
//   weshopd-bench-tool ceiling DB ROWS BATCH   the group-commit ceiling: the rows a job
//       insert writes (job, event, latest-event link), BATCH per transaction, with the
//       store's own pragmas (WAL, synchronous=FULL); prints rows per second.
//   weshopd-bench-tool seed DB TOTAL UNFINISHED   a database of TOTAL jobs, UNFINISHED
//       of them `running`, for the restart benchmark; prints the seconds it took.
#include "common/sha256.hpp"
#include "common/time.hpp"
#include "common/uuid7.hpp"
#include "store/job_store.hpp"
#include "store/sqlite.hpp"

#include <chrono>
#include <cstdio>
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

} // namespace

int main(int argc, char** argv)
{
  const std::string usage = "usage: weshopd-bench-tool ceiling DB ROWS BATCH | seed DB TOTAL UNFINISHED\n";
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
  } catch (const std::exception& e) {
    std::cerr << "weshopd-bench-tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << usage;
  return 2;
}
