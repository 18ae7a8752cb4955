// Test helper: inserts jobs as fast as it can and prints each job id on
// stdout the moment its insert is acknowledged (durable). The test SIGKILLs
// it at a random moment and checks every printed id is in the database.
// Usage: store_durability_child <db path>

#include "common/canonical_json.hpp"
#include "common/sha256.hpp"
#include "store/job_store.hpp"

#include <unistd.h>

#include <atomic>
#include <iostream>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
  if (argc != 2) {
    std::cerr << "usage: store_durability_child <db path>\n";
    return 2;
  }
  auto store = weshopd::store::job_store::open({.path = argv[1]});
  if (!store) {
    std::cerr << "open: " << store.error().message() << "\n";
    return 1;
  }
  std::atomic<int> in_flight{0};
  for (long n = 0;; ++n) {
    while (in_flight.load() >= 256)
      std::this_thread::yield();
    weshopd::store::new_job j;
    j.agent = "aipose";
    j.agent_version = "v1.0";
    j.input = {{"originalImage", "https://x.test/a.png"}};
    j.params = {{"textDescription", "pose " + std::to_string(n)}};
    j.request_hash = weshopd::sha256_hex(weshopd::canonical_json(boost::json::value(j.params)));
    ++in_flight;
    (*store)->async_insert(std::move(j), [&](weshopd::result<weshopd::store::insert_result> r) {
      if (r) {
        const std::string line = r->created_or_existing.id + "\n";
        // One write(2) per id: the line reaches the pipe whole or not at all.
        if (::write(STDOUT_FILENO, line.data(), line.size()) < 0)
          std::_Exit(3);
      }
      --in_flight;
    });
  }
}
