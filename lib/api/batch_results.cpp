// local_api's batch results: GET /v1/batches/{id}/results, the manifest (one
// line per item in index order: job/batch_manifest.hpp) as JSON Lines, or as
// CSV with `Accept: text/csv` or `?format=csv` (a link cannot set Accept);
// and GET /v1/batches/{id}/archive, the ZIP of its copies (batch_archive_api).
// The manifest is built in memory from the items read 500 at a time: 10,000
// items make a few MB, and a failed read is still an error status, not a
// body cut short; the answer has its Content-Length.

#include "api/local_api.hpp"

#include "api/errors.hpp"
#include "job/batch_manifest.hpp"

#include <algorithm>
#include <cctype>

namespace weshopd::api {

namespace asio = boost::asio;

namespace {

constexpr std::size_t items_per_read = 500;

std::string lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// CSV when asked by ?format=csv, or when Accept names text/csv before any JSON type.
std::optional<bool> wants_csv(const http::incoming& req)
{
  if (const auto it = req.query.find("format"); it != req.query.end()) {
    if (it->second == "csv" || it->second == "jsonl")
      return it->second == "csv";
    return std::nullopt;
  }
  const auto accept = lower(req.header_value("Accept"));
  const auto csv = accept.find("text/csv");
  const auto json = std::min(accept.find("application/x-ndjson"), accept.find("application/json"));
  return csv != std::string::npos && csv < json;
}

} // namespace

asio::awaitable<http::outgoing> local_api::batch_results(http::incoming& req)
{
  const auto csv = wants_csv(req);
  if (!csv)
    co_return error_response(422, "validation_failed", "format is csv or jsonl", {{"/query/format", "csv or jsonl"}});
  const auto id = req.params.at("id");
  auto found = co_await visible_batch(req, id);
  if (auto* refusal = std::get_if<http::outgoing>(&found))
    co_return std::move(*refusal);
  http::outgoing out;
  out.content_type = *csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
  if (*csv)
    out.body = manifest_csv_header();
  for (std::int64_t from = 0;;) {
    const auto page = co_await jobs_.batch_items(id, from, items_per_read);
    if (!page)
      co_return error_response(page.error());
    for (const auto& item : *page) {
      const auto index = static_cast<std::size_t>(item.batch_index);
      const auto name = item.item_name.value_or("");
      out.body += *csv ? manifest_csv_line(index, name, item) : manifest_jsonl_line(index, name, item);
      from = item.batch_index + 1;
    }
    if (page->size() < items_per_read)
      break;
  }
  const auto file = "batch-" + id + (*csv ? ".csv" : ".jsonl");
  out.headers.push_back({"Content-Disposition", "inline; filename=\"" + file + "\""});
  out.headers.push_back({"Cache-Control", "no-store"});
  co_return out;
}

asio::awaitable<http::outgoing> local_api::batch_archive(http::incoming& req)
{
  const auto id = req.params.at("id");
  auto found = co_await visible_batch(req, id);
  if (auto* refusal = std::get_if<http::outgoing>(&found))
    co_return std::move(*refusal);
  co_return co_await archives_.archive(id);
}

} // namespace weshopd::api
