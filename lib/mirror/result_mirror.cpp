#include "mirror/result_mirror.hpp"

#include "mirror/copy_removal.hpp"

#include "common/backoff.hpp"
#include "common/durable_file.hpp"
#include "common/image_type.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "common/task_group.hpp"
#include "http/client.hpp"
#include "http/failure_class.hpp"
#include "metrics/registry.hpp"
#include "mirror/retention.hpp"
#include "store/async_jobs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <unordered_set>
#include <variant>

namespace weshopd::mirror {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

void count(std::string_view outcome, std::uint64_t n = 1)
{
  metrics::process_registry()
    .counter_of("weshopd_result_mirror_images_total", "Result images copied to local disk, by outcome.",
                {{"outcome", std::string(outcome)}})
    .add(n);
}

} // namespace

struct result_mirror::impl : std::enable_shared_from_this<impl> {
  asio::any_io_executor executor;
  store::async_jobs jobs;
  result_mirror_options options;
  http::client client;
  asio::steady_timer wake;
  std::unordered_set<std::string> in_flight;
  task_group loops{"mirror"};         // run() and sweep_loop()
  task_group copies{"mirror_copy"};   // a copy cut by stop() stays pending: the next start makes it
  std::mt19937_64 rng{std::random_device{}()};

  static http::client_options client_options(const result_mirror_options& o)
  {
    http::client_options c;
    c.ca_file = o.ca_file;
    c.max_body = o.max_image_bytes;
    c.max_per_origin = 4;
    c.total_timeout = 120s;
    c.addresses = o.addresses;
    return c;
  }

  impl(asio::any_io_executor ex, store::job_store& s, result_mirror_options o)
    : executor(ex), jobs(s), options(std::move(o)), client(ex, client_options(options)), wake(ex)
  {
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec || !fs::is_directory(options.dir))
      throw std::runtime_error("results.dir " + options.dir + " cannot be created: " + ec.message());
  }

  asio::awaitable<void> run(std::shared_ptr<impl> self)
  {
    for (;;) {
      if (in_flight.size() < options.max_in_flight) {
        const auto limit = options.max_in_flight + in_flight.size();
        auto backlog = co_await jobs.mirror_backlog(limit);
        if (backlog)
          for (auto& j : *backlog)
            if (in_flight.size() < options.max_in_flight && in_flight.insert(j.id).second) {
              const auto id = j.id;
              auto copy = copy_job(self, std::move(j));
              if (!copies.spawn(executor, std::move(copy)))
                in_flight.erase(id); // stopping: it stays pending
            }
      }
      wake.expires_after(1h); // until a poke, or a copy ends
      const bool go_on = co_await sleep_unless_cancelled(wake);
      if (!go_on)
        co_return;
    }
  }

  // One image, with retries for what may pass (network, 5xx, 429).
  asio::awaitable<http::fetch_result> fetch(const std::string& url)
  {
    for (int attempt = 0;; ++attempt) {
      http::request req;
      req.url = url;
      req.headers.push_back({"Accept", "image/png, image/jpeg, image/webp"});
      auto r = co_await client.fetch(std::move(req));
      const bool passing = (!r && r.failure != http::failure_kind::too_large && r.failure != http::failure_kind::redirect &&
                            r.failure != http::failure_kind::bad_request &&
                            r.failure != http::failure_kind::address_not_allowed) ||
                           (r && (r.resp.status >= 500 || r.resp.status == 429));
      if (!passing || attempt + 1 >= options.max_attempts || copies.stopped())
        co_return r;
      asio::steady_timer pause(executor, backoff(attempt, options.retry_initial, 60s,
                                                 std::uniform_real_distribution<double>(0, 1)(rng)));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      if (copies.stopped())
        co_return r;
    }
  }

  // The copy of result n, or why there is none.
  asio::awaitable<std::variant<store::result_file, std::string>> copy_one(const job& j, int n)
  {
    const auto* item = j.results[static_cast<std::size_t>(n)].if_object();
    const auto* image = item ? item->if_contains("image") : nullptr;
    if (!image || !image->is_string())
      co_return "result " + std::to_string(n) + " has no image URL";
    const std::string url(image->get_string());
    auto r = co_await fetch(url);
    if (!r || r.resp.status != 200) {
      if (!r)
        log(log_level::info, "mirror_fetch_failed", {{"job", j.id}, {"result", std::to_string(n)}, {"detail", r.message}});
      co_return "result " + std::to_string(n) + ": " + http::failure_class(r);
    }
    const auto declared = r.resp.header_value("Content-Type");
    const auto type = sniff_image_type(r.resp.body);
    if (!declared.starts_with("image/") || !type)
      co_return "result " + std::to_string(n) + " is not a PNG, JPEG or WebP image (Content-Type " +
        std::string(declared) + ")";
    const auto folder = fs::path(options.dir) / j.id;
    std::error_code ec;
    fs::create_directories(folder, ec);
    const auto path = folder / (std::to_string(n) + std::string(image_extension(*type)));
    if (!write_durably(path, r.resp.body))
      co_return "cannot write " + path.string();
    store::result_file f;
    f.job_id = j.id;
    f.n = n;
    f.path = path.string();
    f.sha256 = sha256_hex(r.resp.body);
    f.bytes = static_cast<std::int64_t>(r.resp.body.size());
    f.content_type = std::string(*type);
    co_return f;
  }

  asio::awaitable<void> copy_job(std::shared_ptr<impl> self, job j)
  {
    struct done_guard {
      impl& i;
      std::string id;
      ~done_guard()
      {
        i.in_flight.erase(id);
        i.wake.cancel();
      }
    } guard{*self, j.id};

    std::vector<store::result_file> files;
    std::string failure;
    for (int n = 0; n < static_cast<int>(j.results.size()) && failure.empty() && !copies.stopped(); ++n) {
      auto copied = co_await copy_one(j, n);
      if (auto* f = std::get_if<store::result_file>(&copied))
        files.push_back(std::move(*f));
      else
        failure = std::get<std::string>(copied);
    }
    // Cut by stop() (its failure may be the cancellation): it stays pending, the next start copies it again.
    if (copies.stopped() && files.size() < j.results.size())
      co_return;
    count("copied", files.size());
    if (!failure.empty()) {
      count("failed");
      log(log_level::warning, "mirror_failed", {{"job", j.id}, {"error", failure}});
    }
    co_await jobs.record_mirror(j.id, files, failure);
  }

  asio::awaitable<void> sweep_loop(std::shared_ptr<impl>)
  {
    asio::steady_timer sweep_timer(executor);
    for (;;) {
      co_await sweep();
      const bool stopped = co_await this_task_cancelled(); // came during the sweep's store awaits
      if (stopped)
        co_return;
      sweep_timer.expires_after(options.sweep_interval);
      auto [ec] = co_await sweep_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec)
        co_return; // stop()
    }
  }

  // Forget first, then delete: nothing points at a file that is gone.
  asio::awaitable<void> sweep()
  {
    auto files = co_await jobs.result_files();
    if (!files)
      co_return;
    auto expired = jobs_to_expire(*files, now_ms(), options.retention, options.max_total_bytes);
    if (expired.empty())
      co_return;
    co_await jobs.expire_mirrors(expired);
    std::unordered_set<std::string> gone(expired.begin(), expired.end());
    std::uint64_t removed = 0;
    for (const auto& f : *files)
      if (gone.contains(f.job_id)) {
        removed += remove_copy(options.dir, f.path) ? 1 : 0;
      }
    count("expired", removed);
    log(log_level::info, "mirror_expired", {{"jobs", std::to_string(expired.size())}, {"files", std::to_string(removed)}});
  }
};

result_mirror::result_mirror(asio::any_io_executor executor, store::job_store& store, result_mirror_options options)
  : impl_(std::make_shared<impl>(std::move(executor), store, std::move(options)))
{
}

result_mirror::~result_mirror()
{
  stop();
}

void result_mirror::start()
{
  auto run = impl_->run(impl_);
  impl_->loops.spawn(impl_->executor, std::move(run));
  auto sweeps = impl_->sweep_loop(impl_);
  impl_->loops.spawn(impl_->executor, std::move(sweeps));
}

void result_mirror::stop()
{
  impl_->copies.stop();
  impl_->loops.stop();
}

asio::awaitable<void> result_mirror::join()
{
  const auto self = impl_;
  co_await self->loops.wait();
  co_await self->copies.wait();
}

void result_mirror::poke()
{
  impl_->wake.cancel();
}

} // namespace weshopd::mirror
