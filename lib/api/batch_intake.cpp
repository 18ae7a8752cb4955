// local_api's batch intake: POST /v1/batches read, every item checked as a
// job would be (the same canonical form, the guide's rules, local images
// copied once), then priced, admitted and stored all or none by the engine;
// and POST /v1/batches/{id}/retry, a new batch of the items that did not succeed.

#include "api/local_api.hpp"

#include "api/budget_answers.hpp"
#include "api/errors.hpp"
#include "api/job_scope.hpp"
#include "api/priority_field.hpp"
#include "api/query.hpp"
#include "common/canonical_json.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "job/batch_json.hpp"
#include "job/job_json.hpp"
#include "weshop/canonical.hpp"
#include "weshop/catalog.hpp"
#include "weshop/envelope.hpp"
#include "weshop/image_ref.hpp"
#include "weshop/validate.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <set>

namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t max_batch_items = 10000;
constexpr std::size_t max_listed_problems = 1000; // a 422 of 10,000 broken items stays readable

} // namespace

// The violations of a whole batch: each once (a shared param's fault is one
// violation, not one per item), at most max_listed_problems listed.
struct batch_problems {
  weshop::violations list;
  std::set<std::pair<std::string, std::string>> seen;
  std::size_t unlisted = 0;

  void add(std::string pointer, std::string message)
  {
    if (!seen.emplace(pointer, message).second)
      return;
    if (list.size() < max_listed_problems)
      list.push_back({std::move(pointer), std::move(message)});
    else
      ++unlisted;
  }
  bool empty() const { return list.empty(); }
};

namespace {

// Where an item's violation points: into the item, except what the item
// inherited (the agent, and shared params it does not override).
std::string item_pointer(std::size_t index, const json::object& item, std::string_view pointer)
{
  const auto prefix = "/items/" + std::to_string(index);
  if (pointer.starts_with("/agent"))
    return std::string(pointer);
  if (pointer == "/params" || pointer.starts_with("/params/")) {
    const auto* own = item.if_contains("params");
    const auto name = pointer.size() > 8 ? pointer.substr(8, pointer.find('/', 8) - 8) : std::string_view{};
    const bool overrides = own && own->is_object() && (name.empty() || own->as_object().contains(name));
    return overrides ? prefix + std::string(pointer) : std::string(pointer);
  }
  if (pointer == "/input/taskName" && item.contains("taskName"))
    return prefix + "/taskName";
  return prefix + std::string(pointer);
}

// An item's name in the manifest and the ZIP: its taskName, else its input
// image's file name (a path's or a URL's last segment), else item-N.
std::string item_name_of(const json::object& input, std::size_t index)
{
  if (const auto* t = input.if_contains("taskName"); t && t->is_string() && !t->get_string().empty())
    return std::string(t->get_string());
  if (const auto* v = input.if_contains("originalImage"); v && v->is_string()) {
    std::string_view s = v->get_string();
    s = s.substr(0, s.find_first_of("?#"));
    const auto name = s.substr(s.find_last_of('/') + 1);
    if (!name.empty())
      return std::string(name);
  }
  return "item-" + std::to_string(index + 1);
}

// The run request an item stands for: the batch's agent, the item's input
// (with its taskName), the shared params overridden by the item's own.
json::object item_request(const json::value& agent, const json::object& shared, const json::object& item)
{
  json::object input;
  if (const auto* in = item.if_contains("input"); in && in->is_object())
    input = in->as_object();
  else if (in)
    return {{"agent", agent}, {"input", *in}, {"params", shared}};
  if (const auto* task = item.if_contains("taskName"))
    input["taskName"] = *task;
  json::object params = shared;
  if (const auto* own = item.if_contains("params"); own && own->is_object())
    for (const auto& [k, v] : own->as_object())
      params[k] = v;
  else if (own)
    return {{"agent", agent}, {"input", std::move(input)}, {"params", *own}};
  return {{"agent", agent}, {"input", std::move(input)}, {"params", std::move(params)}};
}

void check_keys(const json::object& o, std::initializer_list<std::string_view> known, const std::string& prefix,
                batch_problems& problems)
{
  for (const auto& [k, v] : o)
    if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
      problems.add(prefix + weshop::json_pointer({k}), "unknown field (a batch takes " +
                                                         std::string(prefix.empty() ? "agent, params, items, notify"
                                                                                    : "input, params, taskName") +
                                                         ")");
}

} // namespace

// One item, checked as POST /v1/jobs checks a job; its local images copied
// once the whole batch so far is valid. nullopt when it is not.
std::optional<store::new_job> local_api::read_batch_item(const json::value& agent, const json::object& shared,
                                                         const json::value& given, std::size_t index,
                                                         batch_problems& all, std::set<std::string>& seen,
                                                         std::optional<http::outgoing>& refusal) const
{
  const auto prefix = "/items/" + std::to_string(index);
  if (!given.is_object()) {
    all.add(prefix, "an item is an object: {input, params?, taskName?}");
    return std::nullopt;
  }
  const auto& item = given.as_object();
  check_keys(item, {"input", "params", "taskName"}, prefix, all);
  json::value request = item_request(agent, shared, item);
  weshop::canonicalize(request.as_object());
  const auto hash = sha256_hex(canonical_json(request));
  auto found = weshop::validate(request);
  const auto images = read_local_images(request, found);
  for (const auto& v : found)
    all.add(item_pointer(index, item, v.pointer), v.message);
  if (!seen.insert(hash).second)
    all.add(prefix, "the same item as an earlier one (a duplicate would cost twice)");
  if (!found.empty() || !all.empty())
    return std::nullopt;

  store::new_job j;
  j.warnings = to_json(weshop::warnings(request));
  j.request_hash = hash;
  auto& r = request.as_object();
  j.input = std::move(r.at("input").as_object());
  j.item_name = item_name_of(j.input, index);
  for (const auto& [name, image] : images) {
    if (auto refused = keep_copy(*options_.local_files->copies, image)) {
      refusal = std::move(*refused);
      return std::nullopt;
    }
    j.input[name] = options_.local_files->copies->path_of(image.sha256, image.content_type);
  }
  if (auto* params = r.if_contains("params"); params && params->is_object())
    j.params = std::move(params->get_object());
  return j;
}

std::variant<store::new_batch, http::outgoing> local_api::read_new_batch(const http::incoming& req) const
{
  if (http::media_type(req.header_value("Content-Type")) != "application/json")
    return error_response(415, "unsupported_media_type", "the body must be application/json");
  auto body = weshop::parse_json_limited(req.body);
  if (!body)
    return error_response(400, "invalid_json", "the body is not valid JSON: " + body.error().message());
  if (!body->is_object())
    return error_response(422, "validation_failed", "a batch is an object: {agent, params?, items, notify?}",
                          {{"", "not an object"}});
  auto notify = take_notify(*body);
  weshop::violations own; // notify's and priority's
  const auto priority = take_priority(*body, own);
  auto hashed = canonical_json(*body) + canonical_json(notify.field);
  if (priority != "normal")
    hashed += priority;
  const auto request_hash = sha256_hex(hashed);
  auto& top = body->as_object();
  batch_problems problems;
  own.insert(own.begin(), notify.problems.begin(), notify.problems.end());
  for (auto& v : own)
    problems.add(std::move(v.pointer), std::move(v.message));
  check_keys(top, {"agent", "params", "items"}, "", problems);
  const json::value agent = top.contains("agent") ? top.at("agent") : json::value();
  json::object shared;
  if (const auto* p = top.if_contains("params"); p && p->is_object())
    shared = p->as_object();
  else if (p && !p->is_null())
    problems.add("/params", "the shared params are an object");
  const auto* items = top.if_contains("items");
  if (!items || !items->is_array() || items->as_array().empty())
    problems.add("/items", "a batch has an array of 1 to " + std::to_string(max_batch_items) + " items");
  else if (items->as_array().size() > max_batch_items)
    problems.add("/items", "a batch has at most " + std::to_string(max_batch_items) + " items (this one has " +
                             std::to_string(items->as_array().size()) + "): split it");

  store::new_batch b;
  std::set<std::string> seen;
  std::optional<http::outgoing> refusal;
  if (problems.empty())
    for (std::size_t i = 0; i < items->as_array().size() && !refusal; ++i)
      if (auto j = read_batch_item(agent, shared, items->as_array()[i], i, problems, seen, refusal))
        b.items.push_back(std::move(*j));
  if (refusal)
    return std::move(*refusal);
  b.priority = priority;
  for (auto& j : b.items)
    j.priority = priority; // a batch's priority is each item's
  if (!problems.empty()) {
    if (problems.unlisted)
      problems.list.push_back({"/items", "and " + std::to_string(problems.unlisted) + " more violation(s)"});
    return error_response(422, "validation_failed", "the batch breaks " +
                                                      std::to_string(problems.list.size() + problems.unlisted) +
                                                      " rule(s); see details (nothing was stored)",
                          problems.list);
  }
  return finish_new_batch(req, std::move(b), agent.as_object(), std::move(shared), request_hash, notify.target);
}

std::variant<store::new_batch, http::outgoing>
local_api::finish_new_batch(const http::incoming& req, store::new_batch b, const json::object& agent,
                            json::object shared, const std::string& request_hash,
                            const std::optional<notify_target>& notify) const
{
  std::string bad;
  const auto deadline = int_param(req, "deadline", 10, 7 * 24 * 3600, bad);
  if (!bad.empty())
    return error_response(422, "validation_failed", "deadline (seconds) " + bad, {{"/query/deadline", bad}});
  const auto key = req.header_value("Idempotency-Key");
  if (key.size() > 255)
    return error_response(422, "validation_failed", "Idempotency-Key is longer than 255 characters");
  b.agent = agent.at("name").as_string();
  const auto* version = agent.if_contains("version");
  b.agent_version = version && version->is_string() ? std::string(version->get_string())
                                                    : std::string(*weshop::default_version(b.agent));
  b.params = std::move(shared);
  b.request_hash = request_hash;
  if (!key.empty())
    b.idempotency_key = std::string(key);
  if (!req.principal.empty())
    b.token_name = req.principal;
  if (notify) {
    b.notify_url = notify->url;
    b.notify_all = notify->all_events;
  }
  for (auto& j : b.items) {
    j.agent = b.agent;
    j.agent_version = b.agent_version;
    j.token_name = b.token_name;
    if (deadline)
      j.deadline_at = now_ms() + std::chrono::seconds(*deadline);
  }
  return b;
}

asio::awaitable<http::outgoing> local_api::create_batch(http::incoming& req)
{
  auto checked = read_new_batch(req);
  if (auto* refusal = std::get_if<http::outgoing>(&checked))
    co_return std::move(*refusal);
  auto& b = std::get<store::new_batch>(checked);
  // WeShop's preset ids, checked once per distinct set of params.
  std::map<std::string, weshop::preset_verdict> checked_params;
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    auto& j = b.items[i];
    const auto params_key = canonical_json(j.params);
    auto known = checked_params.find(params_key);
    if (known == checked_params.end()) {
      auto presets = co_await presets_.check(j.agent, j.agent_version, j.params);
      known = checked_params.emplace(params_key, std::move(presets)).first;
    }
    if (!known->second.refused.empty())
      co_return error_response(422, "validation_failed",
                               "/items/" + std::to_string(i) + " names preset ids WeShop does not offer; see details",
                               known->second.refused);
    for (const auto& w : to_json(known->second.unchecked))
      j.warnings.push_back(w);
  }
  co_return co_await submit_new_batch(b);
}

// 201 and the new batch, or 200 and the batch an Idempotency-Key already made.
asio::awaitable<http::outgoing> local_api::submit_new_batch(store::new_batch& b)
{
  for (auto& j : b.items)
    engine_.price(j);
  const auto admission = b.items.front().admit;
  std::int64_t cost = 0;
  for (const auto& j : b.items)
    cost += j.images * j.unit_price;
  auto created = co_await engine_.create_batch(std::move(b));
  if (!created && created.error() == errc::budget_exceeded)
    co_return co_await over_budget(admission, cost);
  if (!created)
    co_return error_response(created.error());
  const auto& batch = created->created_or_existing;
  co_return created_answer(created->created, to_json(batch), "/v1/batches/" + batch.id);
}

// A new batch of the items that did not succeed (failed or canceled), each
// linked to the job it retries; the new batch names the old by retryOf.
asio::awaitable<http::outgoing> local_api::retry_batch(http::incoming& req)
{
  const auto id = req.params.at("id");
  const auto key = req.header_value("Idempotency-Key");
  if (key.size() > 255)
    co_return error_response(422, "validation_failed", "Idempotency-Key is longer than 255 characters");
  auto original = co_await visible_batch(req, id);
  if (auto* refusal = std::get_if<http::outgoing>(&original))
    co_return std::move(*refusal);
  const auto& old = std::get<batch>(original);
  if (!old.finished_at)
    co_return error_response(409, "conflict", "the batch is still running; retry it once it has finished");
  store::new_batch b;
  b.agent = old.agent;
  b.agent_version = old.agent_version;
  b.params = old.params;
  b.notify_url = old.notify_url;
  b.notify_all = old.notify_all;
  b.retry_of = old.id;
  b.priority = old.priority;
  b.token_name = old.token_name;
  b.request_hash = sha256_hex("retry:" + old.id);
  if (!key.empty())
    b.idempotency_key = std::string(key);
  for (std::int64_t from = 0;;) {
    auto page = co_await jobs_.batch_items(old.id, from, 1000);
    if (!page)
      co_return error_response(page.error());
    if (page->empty())
      break;
    from = page->back().batch_index + 1;
    for (auto& item : *page)
      if (item.state == job_state::failed || item.state == job_state::canceled)
        b.items.push_back(retry_item(item));
  }
  if (b.items.empty())
    co_return error_response(409, "conflict", "every item of this batch succeeded: nothing to retry");
  co_return co_await submit_new_batch(b);
}

// The same request once more, linked to the job it retries (compared by
// "retry:<id>" when an Idempotency-Key names it).
store::new_job local_api::retry_item(const job& item)
{
  store::new_job j;
  j.agent = item.agent;
  j.agent_version = item.agent_version;
  j.input = item.input;
  j.params = item.params;
  j.retry_of = item.id;
  j.warnings = item.warnings;
  j.token_name = item.token_name;
  j.item_name = item.item_name;
  j.priority = item.priority; // a retry keeps its place among its token's jobs
  j.request_hash = sha256_hex("retry:" + item.id);
  return j;
}

// 429 budget_exceeded, with what the window has committed now.
asio::awaitable<http::outgoing> local_api::over_budget(budget::admission admission, std::int64_t cost)
{
  const auto used = co_await jobs_.budget_used(admission.window);
  co_return over_budget_response(*live_.load()->budget, admission, cost,
                                 used ? *used : std::map<std::string, std::int64_t>{}, options_.clock());
}

} // namespace weshopd::api
