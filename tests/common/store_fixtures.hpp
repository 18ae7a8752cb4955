#pragma once
// Shared helpers for store tests: a job store in a temp dir, and new_job values.

#include "common/canonical_json.hpp"
#include "common/postgres_server.hpp"
#include "common/sha256.hpp"
#include "common/temp_dir.hpp"
#include "store/job_store.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace weshopd::test {

inline store::new_job make_job(const std::string& agent = "aipose", const std::string& text = "sit down",
                               std::optional<std::string> key = std::nullopt)
{
  store::new_job j;
  j.agent = agent;
  j.agent_version = "v1.0";
  j.input = {{"originalImage", "https://x.test/a.png"}};
  j.params = {{"textDescription", text}};
  j.idempotency_key = std::move(key);
  j.request_hash = sha256_hex(canonical_json(boost::json::object{{"agent", agent}, {"input", j.input}, {"params", j.params}}));
  return j;
}

inline std::unique_ptr<store::job_store> open_store(const std::string& path, store::job_store_options options = {})
{
  options.path = path;
  auto s = store::job_store::open(options);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

// The store contract's tests run on each backend: the parameter names it;
// SQLite is a file in a temp dir, PostgreSQL a server of its own, started here.
class backend_store : public ::testing::TestWithParam<std::string> {
protected:
  temp_dir dir_;
  std::string path_ = dir_.file("jobs.db");
  std::unique_ptr<postgres_server> postgres_ = GetParam() == "postgres" ? std::make_unique<postgres_server>() : nullptr;
  std::unique_ptr<store::job_store> store_ = open();

  // The same database again (a restart).
  std::unique_ptr<store::job_store> open()
  {
    store::job_store_options o;
    o.backend = GetParam();
    o.url = postgres_ ? postgres_->conninfo() : "";
    return open_store(path_, o);
  }
};

} // namespace weshopd::test
