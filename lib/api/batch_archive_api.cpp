#include "api/batch_archive_api.hpp"

#include "api/errors.hpp"
#include "common/log.hpp"
#include "files/open_beneath.hpp"
#include "mirror/batch_copies.hpp"

#include <unistd.h>

#include <functional>

namespace weshopd::api {

namespace asio = boost::asio;

namespace {

constexpr std::size_t piece_bytes = 1 << 20;

struct made_archive {
  mirror::archive_file file;
  std::size_t entries = 0;
  std::size_t uncopied = 0; // results without a copy to put in
};

// Blocking: the plan from the store, then the ZIP (on the store's pool).
detailed_result<made_archive> make_archive(store::job_store& store, const std::string& id, const std::string& root)
{
  auto plan = mirror::plan_batch_copies(store, id, root);
  if (!plan)
    return detailed_error{plan.error(), "reading the batch's items"};
  const auto dir = files::open_directory(root.c_str());
  if (!dir.fd)
    return detailed_error{boost::system::error_code(dir.error, boost::system::generic_category()),
                          "opening results.dir: " + std::string(files::open_problem(dir.error))};
  const std::function<bool()> stopping = [] { return store::async_jobs::pool_stopping(); };
  auto file = mirror::write_archive(dir.fd.get(), plan->entries, root, stopping);
  if (!file)
    return file.error();
  return made_archive{std::move(*file), plan->entries.size(), plan->uncopied};
}

// The archive from its descriptor, a piece at a time, each read on the pool.
asio::awaitable<void> send_archive(std::shared_ptr<mirror::archive_file> zip, http::body_writer& out)
{
  std::string piece;
  std::uint64_t sent = 0;
  std::function<void()> read = [&] {
    piece.resize(static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, zip->size - sent)));
    const auto n = ::pread(zip->fd.get(), piece.data(), piece.size(), static_cast<off_t>(sent));
    piece.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  };
  while (sent < zip->size) {
    co_await store::async_jobs::on_pool(read);
    if (piece.empty()) // unreadable: the client sees a body shorter than Content-Length
      co_return;
    if (!co_await out.write(piece))
      co_return;
    sent += piece.size();
  }
}

http::outgoing failure_response(const detailed_error& failure)
{
  if (failure.code.category() == weshopd_category())
    return error_response(failure.code);
  if (failure.code == boost::system::errc::no_space_on_device)
    return error_response(507, "insufficient_storage", "no room for the ZIP beside the copies: " + failure.message());
  log(log_level::warning, "batch_archive_failed", {{"detail", failure.message()}});
  auto out = error_response(503, "archive_failed", "the ZIP could not be written: " + failure.message());
  out.headers.push_back({"Retry-After", "5"});
  return out;
}

} // namespace

batch_archive_api::batch_archive_api(store::job_store& store, std::string mirror_dir)
  : store_(store), mirror_dir_(std::move(mirror_dir))
{
}

asio::awaitable<http::outgoing> batch_archive_api::archive(std::string id)
{
  if (mirror_dir_.empty())
    co_return error_response(409, "mirror_disabled",
                             "results.mirror is off: weshopd keeps no copies of results to zip; "
                             "GET /v1/batches/" + id + "/results lists WeShop's URLs");
  if (busy_->exchange(true)) {
    auto out = error_response(503, "archive_busy", "another batch's ZIP is being made; try again shortly");
    out.headers.push_back({"Retry-After", "5"});
    co_return out;
  }
  // Cleared when this answer is done with: its body sent, or never sent.
  std::shared_ptr<void> busy(nullptr, [flag = busy_](void*) { flag->store(false); });
  std::optional<detailed_result<made_archive>> made;
  std::function<void()> work = [&] { made = make_archive(store_, id, mirror_dir_); };
  co_await store::async_jobs::on_pool(work);
  if (!*made)
    co_return failure_response(made->error());
  auto& m = **made;
  const auto skipped = m.uncopied + m.file.skipped.size();
  std::string vanished;
  for (const auto& name : m.file.skipped)
    vanished += (vanished.empty() ? "" : ",") + name;
  log(log_level::info, "batch_archive", {{"batch", id}, {"entries", std::to_string(m.entries - m.file.skipped.size())},
                                         {"skipped", std::to_string(skipped)}, {"vanished", vanished}});
  const auto zip = std::make_shared<mirror::archive_file>(std::move(m.file));
  http::outgoing out;
  out.content_type = "application/zip";
  out.headers.push_back({"Content-Length", std::to_string(zip->size)});
  out.headers.push_back({"Content-Disposition", "attachment; filename=\"batch-" + id + ".zip\""});
  out.headers.push_back({"X-Weshopd-Skipped", std::to_string(skipped)});
  out.headers.push_back({"Cache-Control", "no-store"});
  out.stream = [zip](http::body_writer& w) { return send_archive(zip, w); };
  out.hold = std::move(busy);
  co_return out;
}

} // namespace weshopd::api
