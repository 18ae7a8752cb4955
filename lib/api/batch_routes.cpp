// local_api's batch reads and actions: GET /v1/batches/{id} (?wait=), the
// list, and a batch's cancel (its results: batch_results.cpp).

#include "api/local_api.hpp"

#include "api/errors.hpp"
#include "api/job_scope.hpp"
#include "api/list_cursor.hpp"
#include "api/query.hpp"
#include "common/uuid7.hpp"
#include "job/batch_json.hpp"

#include <boost/json.hpp>

namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<std::variant<batch, http::outgoing>> local_api::visible_batch(const http::incoming& req,
                                                                               std::string id)
{
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no batch with that id");
  auto b = co_await jobs_.get_batch(id);
  if (!b && b.error() == errc::not_found)
    co_return error_response(404, "not_found", "no batch with that id");
  if (!b)
    co_return error_response(b.error());
  if (!may_see(req, *b)) // another token's batch answers as one that does not exist
    co_return error_response(404, "not_found", "no batch with that id");
  co_return std::move(*b);
}

asio::awaitable<http::outgoing> local_api::get_batch(http::incoming& req)
{
  std::string bad;
  const auto wait = int_param(req, "wait", 0, 60, bad);
  if (!bad.empty())
    co_return error_response(422, "validation_failed", "wait " + bad, {{"/query/wait", bad}});
  const auto id = req.params.at("id");
  auto found = co_await visible_batch(req, id);
  if (auto* refusal = std::get_if<http::outgoing>(&found))
    co_return std::move(*refusal);
  auto b = std::move(std::get<batch>(found));
  if (wait && *wait > 0 && !b.finished_at) { // returns at the next change of an item, or after `wait` s
    const auto slot = streams_.try_take();
    if (!slot)
      co_return stream_slots::refusal();
    co_await engine_.changes().wait(engine::batch_topic(id), std::chrono::seconds(*wait));
    auto again = co_await jobs_.get_batch(id);
    if (!again)
      co_return error_response(again.error());
    b = std::move(*again);
  }
  co_return json_response(200, to_json(b));
}

asio::awaitable<http::outgoing> local_api::list_batches(http::incoming& req)
{
  store::batch_query q;
  std::string bad;
  if (const auto limit = int_param(req, "limit", 1, 500, bad); bad.empty())
    q.limit = static_cast<std::size_t>(limit.value_or(50));
  else
    co_return error_response(422, "validation_failed", "limit " + bad, {{"/query/limit", bad}});
  q.token = owner_filter(req);
  if (const auto it = req.query.find("cursor"); it != req.query.end()) {
    q.before_id = decode_cursor(it->second);
    if (!q.before_id)
      co_return error_response(400, "invalid_cursor", "this cursor was not issued by weshopd");
  }
  auto page = co_await jobs_.list_batches(q);
  if (!page)
    co_return error_response(page.error());
  json::array batches;
  for (const auto& b : page->batches)
    batches.push_back(to_json(b));
  co_return json_response(
    200, json::object{{"batches", std::move(batches)},
                      {"next_cursor", page->next_before ? json::value(encode_cursor(*page->next_before)) : json::value()}});
}

// Every item not finished is canceled (queued ones at once, the others as a
// job's cancel). A finished batch: 200 if it was canceled, else 409 (as a job).
asio::awaitable<http::outgoing> local_api::cancel_batch(http::incoming& req)
{
  const auto id = req.params.at("id");
  auto found = co_await visible_batch(req, id);
  if (auto* refusal = std::get_if<http::outgoing>(&found))
    co_return std::move(*refusal);
  const auto& b = std::get<batch>(found);
  if (b.finished_at) {
    if (batch_state_of(b) == batch_state::canceled)
      co_return json_response(200, to_json(b));
    co_return error_response(409, "conflict", "the batch has finished (" + std::string(to_string(batch_state_of(b))) +
                                                "): nothing to cancel");
  }
  auto canceled = co_await engine_.cancel_batch(id);
  if (!canceled)
    co_return error_response(canceled.error());
  co_return json_response(200, to_json(*canceled));
}

} // namespace weshopd::api
