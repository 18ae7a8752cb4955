// local_api's intake: a new job read, canonicalized, checked against the
// guide's rules and WeShop's preset ids, its local images copied, then priced
// and admitted by the engine; and a retry, which is a new job linked to the old.

#include "api/local_api.hpp"

#include "api/budget_answers.hpp"
#include "api/errors.hpp"
#include "api/job_scope.hpp"
#include "api/notify_field.hpp"
#include "api/priority_field.hpp"
#include "api/query.hpp"
#include "common/canonical_json.hpp"
#include "common/sha256.hpp"
#include "common/uuid7.hpp"
#include "job/job_json.hpp"
#include "weshop/canonical.hpp"
#include "weshop/catalog.hpp"
#include "weshop/envelope.hpp"
#include "weshop/image_ref.hpp"
#include "weshop/validate.hpp"

#include <boost/json.hpp>

namespace weshopd::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view image_inputs[] = {"originalImage", "fashionModelImage", "locationImage"};

} // namespace

files::image_read local_api::read_local_image(std::string_view path) const
{
  const auto& files = options_.local_files;
  if (!files || !files->copies)
    return {std::nullopt, "local files are not accepted (this weshopd has no uploads.dir to keep them in)"};
  return files->roots.read(path, files->max_image_bytes);
}

// `notify` is ours, not WeShop's: taken out of the body, checked apart,
// never sent upstream.
local_api::notify_request local_api::take_notify(json::value& body) const
{
  notify_request n{live_.load()->default_notify, {}, {}};
  auto* obj = body.if_object();
  if (!obj || !obj->contains("notify"))
    return n;
  n.field = std::move(obj->at("notify"));
  obj->erase("notify");
  if (!n.field.is_null()) // null counts as absent: the default stays
    n.target = read_notify_field(n.field, n.problems);
  if (n.target && !options_.notify_enabled)
    n.problems.push_back({"/notify", "this weshopd signs notifications and has no notify.secret_file configured"});
  return n;
}

// Local images are read now, once, from their root's handle; the job then
// names weshopd's copy, and nothing reads the caller's file again.
std::map<std::string, files::image_file> local_api::read_local_images(const json::value& body,
                                                                      weshop::violations& problems) const
{
  std::map<std::string, files::image_file> images;
  const auto* input = body.is_object() ? body.as_object().if_contains("input") : nullptr;
  if (!input || !input->is_object())
    return images;
  for (auto name : image_inputs)
    if (const auto* v = input->as_object().if_contains(name); v && v->is_string()) {
      const auto ref = weshop::classify_image_ref(v->get_string());
      if (ref.kind != weshop::image_ref::kind::local_file)
        continue;
      auto read = read_local_image(ref.location);
      if (read)
        images.emplace(name, std::move(*read.image));
      else
        problems.push_back({weshop::json_pointer({"input", name}), read.problem});
    }
  return images;
}

// The checks and the job they make, apart from the coroutine: its frame stays
// small (a big one costs a slow allocation on every request).
std::variant<store::new_job, http::outgoing> local_api::read_new_job(const http::incoming& req) const
{
  if (http::media_type(req.header_value("Content-Type")) != "application/json")
    return error_response(415, "unsupported_media_type", "the body must be application/json");
  auto body = weshop::parse_json_limited(req.body);
  if (!body)
    return error_response(400, "invalid_json", "the body is not valid JSON: " + body.error().message());

  auto notify = take_notify(*body);
  const auto priority = take_priority(*body, notify.problems); // (listed with notify's)
  // What is validated, stored, priced and sent is one canonical form.
  if (auto* obj = body->if_object())
    weshop::canonicalize(*obj);
  auto violations = weshop::validate(*body);
  violations.insert(violations.end(), notify.problems.begin(), notify.problems.end());
  const auto local_images = read_local_images(*body, violations);
  if (!violations.empty())
    return error_response(422, "validation_failed", "the request breaks " + std::to_string(violations.size()) +
                                                         " rule(s); see details", violations);

  std::string bad;
  const auto deadline = int_param(req, "deadline", 10, 7 * 24 * 3600, bad);
  if (!bad.empty())
    return error_response(422, "validation_failed", "deadline (seconds) " + bad, {{"/query/deadline", bad}});

  const auto key = req.header_value("Idempotency-Key");
  if (key.size() > 255)
    return error_response(422, "validation_failed", "Idempotency-Key is longer than 255 characters");

  store::new_job j;
  j.warnings = to_json(weshop::warnings(*body));
  auto& request = body->as_object(); // taken apart below (moved from, not copied)
  if (!notify.field.is_null()) // the same request with another notify is another request
    request["notify"] = std::move(notify.field);
  if (priority != "normal") // (and with another priority)
    request["priority"] = priority;
  j.request_hash = sha256_hex(canonical_json(*body));
  const auto& agent = request.at("agent").as_object();
  j.agent = agent.at("name").as_string();
  const auto* version = agent.if_contains("version");
  j.agent_version = version && version->is_string() ? std::string(version->get_string())
                                                    : std::string(*weshop::default_version(j.agent));
  j.input = std::move(request.at("input").as_object());
  for (const auto& [name, image] : local_images) {
    if (auto refused = keep_copy(*options_.local_files->copies, image))
      return std::move(*refused);
    j.input[name] = options_.local_files->copies->path_of(image.sha256, image.content_type);
  }
  if (auto* params = request.if_contains("params"); params && params->is_object())
    j.params = std::move(params->get_object());
  if (!key.empty())
    j.idempotency_key = std::string(key);
  if (notify.target) {
    j.notify_url = notify.target->url;
    j.notify_all = notify.target->all_events;
  }
  if (deadline)
    j.deadline_at = now_ms() + std::chrono::seconds(*deadline);
  j.priority = priority;
  return j;
}

asio::awaitable<http::outgoing> local_api::create_job(http::incoming& req)
{
  auto checked = read_new_job(req);
  if (auto* refusal = std::get_if<http::outgoing>(&checked))
    co_return std::move(*refusal);
  auto& j = std::get<store::new_job>(checked);
  auto presets = co_await presets_.check(j.agent, j.agent_version, j.params);
  if (!presets.refused.empty())
    co_return error_response(422, "validation_failed",
                             "the request names preset ids WeShop does not offer; see details", presets.refused);
  for (const auto& w : to_json(presets.unchecked))
    j.warnings.push_back(w);
  if (!j.idempotency_key && !breaker_.allow(j.request_hash, duplicate_breaker::clock::now())) {
    auto out = error_response(429, "duplicate_suspected",
                              "more than " + std::to_string(options_.identical_requests) + " identical requests in " +
                                std::to_string(breaker_.window().count()) +
                                " s without an Idempotency-Key: a client loop? (breaker.identical_requests)");
    out.headers.push_back({"Retry-After", std::to_string(breaker_.window().count())});
    co_return out;
  }
  co_return co_await submit_new_job(j, req);
}

// 201 and the new job, or 200 and the job an Idempotency-Key already made;
// priced by the engine's intake, and admitted against the budgets that apply
// (atomically, in the store).
asio::awaitable<http::outgoing> local_api::submit_new_job(store::new_job& j, const http::incoming& req)
{
  if (!req.principal.empty())
    j.token_name = req.principal;
  engine_.price(j);
  const auto admission = j.admit; // for a refusal's message (the store takes j)
  const auto cost = j.images * j.unit_price;
  auto created = co_await engine_.create(std::move(j));
  if (!created && created.error() == errc::budget_exceeded)
    co_return co_await over_budget(admission, cost);
  if (!created)
    co_return error_response(created.error());
  const auto& job = created->created_or_existing;
  co_return created_answer(created->created, to_json(job), "/v1/jobs/" + job.id);
}

// A failed or canceled job, once more: a new job with the same request,
// linked by retryOf. The explicit user action a submit_outcome_unknown job
// waits for (weshopd never resubmits a run that may exist on its own).
asio::awaitable<http::outgoing> local_api::retry_job(http::incoming& req)
{
  const auto& id = req.params.at("id");
  if (!looks_like_uuid(id))
    co_return error_response(404, "not_found", "no job with that id");
  const auto key = req.header_value("Idempotency-Key");
  if (key.size() > 255)
    co_return error_response(422, "validation_failed", "Idempotency-Key is longer than 255 characters");
  const auto original = co_await jobs_.get(id);
  if (!original)
    co_return error_response(original.error());
  if (!may_see(req, *original))
    co_return error_response(errc::not_found);
  if (original->state != job_state::failed && original->state != job_state::canceled)
    co_return error_response(409, "conflict", "only a failed or canceled job can be retried; this one is " +
                                                std::string(to_string(original->state)));
  auto j = retry_item(*original);
  j.token_name.reset(); // the retrying request's own (submit_new_job)
  j.notify_url = original->notify_url;
  j.notify_all = original->notify_all;
  if (!key.empty())
    j.idempotency_key = std::string(key);
  co_return co_await submit_new_job(j, req);
}

} // namespace weshopd::api
