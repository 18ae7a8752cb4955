#include "sim_state.hpp"

#include "common/sha256.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace weshop_sim {
namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, fault_kind>, 11> fault_names{{
  {"latency", fault_kind::latency},
  {"status", fault_kind::status},
  {"api_error", fault_kind::api_error},
  {"reset_before_read", fault_kind::reset_before_read},
  {"reset_after_read", fault_kind::reset_after_read},
  {"truncate", fault_kind::truncate},
  {"malformed", fault_kind::malformed},
  {"unknown_status", fault_kind::unknown_status},
  {"redirect", fault_kind::redirect},
  {"drip", fault_kind::drip},
  {"stall", fault_kind::stall},
}};

std::string now_text()
{
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// K of "sim:short=K" in a taskName, at most `batch_count`; none without it.
std::optional<int> short_marker(std::string_view task_name, int batch_count)
{
  constexpr std::string_view marker = "sim:short=";
  const auto at = task_name.find(marker);
  if (at == std::string_view::npos)
    return std::nullopt;
  int k = 0;
  const auto digits = task_name.substr(at + marker.size());
  if (std::from_chars(digits.data(), digits.data() + digits.size(), k).ec != std::errc{} || k < 0)
    return std::nullopt;
  return std::min(k, batch_count);
}

} // namespace

std::optional<fault> fault_from_json(const json::value& v, std::string& error)
{
  const auto* o = v.if_object();
  if (!o) {
    error = "a fault is an object";
    return std::nullopt;
  }
  fault f;
  try {
    const auto kind = json::value_to<std::string>(o->at("kind"));
    bool found = false;
    for (const auto& [name, k] : fault_names)
      if (name == kind) {
        f.kind = k;
        found = true;
      }
    if (!found) {
      error = "unknown fault kind " + kind;
      return std::nullopt;
    }
    if (auto* e = o->if_contains("endpoint"))
      f.endpoint = json::value_to<std::string>(*e);
    if (auto* s = o->if_contains("status"))
      f.status = json::value_to<unsigned>(*s);
    else if (f.kind == fault_kind::api_error)
      f.status = 400;
    if (auto* r = o->if_contains("retry_after"))
      f.retry_after = json::value_to<int>(*r);
    if (auto* r = o->if_contains("retryable"))
      f.retryable = r->as_bool();
    if (auto* h = o->if_contains("html"))
      f.html = h->as_bool();
    if (auto* c = o->if_contains("code"))
      f.code = json::value_to<std::string>(*c);
    if (auto* m = o->if_contains("ms"))
      f.ms = json::value_to<int>(*m);
    if (auto* c = o->if_contains("count"))
      f.count = json::value_to<int>(*c);
    if (auto* r = o->if_contains("rate"))
      f.rate = r->to_number<double>();
  } catch (const std::exception& e) {
    error = std::string("bad fault: ") + e.what();
    return std::nullopt;
  }
  return f;
}

json::value to_json(const fault& f)
{
  std::string_view kind;
  for (const auto& [name, k] : fault_names)
    if (k == f.kind)
      kind = name;
  json::object o{{"endpoint", f.endpoint}, {"kind", kind},  {"status", f.status}, {"retryable", f.retryable},
                 {"html", f.html},         {"code", f.code}, {"ms", f.ms},         {"count", f.count},
                 {"rate", f.rate}};
  if (f.retry_after)
    o["retry_after"] = *f.retry_after;
  return o;
}

std::optional<callback_mode> parse_callback_mode(std::string_view text)
{
  if (text == "off") return callback_mode::off;
  if (text == "once") return callback_mode::once;
  if (text == "duplicate") return callback_mode::duplicate;
  if (text == "delayed") return callback_mode::delayed;
  if (text == "dropped") return callback_mode::dropped;
  if (text == "wrong_path") return callback_mode::wrong_path;
  return std::nullopt;
}

std::int64_t unix_now_us()
{
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

sim_state::sim_state(std::uint64_t seed, timing t, double fail_rate)
  : rng_(seed), durations_rng_(seed ^ 0x9e3779b97f4a7c15ULL), timing_(t), fail_rate_(fail_rate)
{
}

std::optional<fault> sim_state::take_first(const std::function<bool(const fault&)>& applies)
{
  for (auto& f : faults_) {
    if (f.count == 0 || !applies(f))
      continue;
    if (f.rate < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng_) >= f.rate)
      continue;
    if (f.count > 0)
      --f.count;
    return f;
  }
  return std::nullopt;
}

std::optional<fault> sim_state::take_fault(std::string_view endpoint)
{
  return take_first([&](const fault& f) {
    return f.kind != fault_kind::reset_before_read && (f.endpoint == "*" || f.endpoint == endpoint);
  });
}

bool sim_state::take_connection_reset()
{
  return take_first([](const fault& f) { return f.kind == fault_kind::reset_before_read; }).has_value();
}

const sim_run& sim_state::create_run(std::string agent, std::string version, json::object input, json::object params,
                                     std::string callback_url)
{
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  for (auto v = rng_(); id.size() < 16; v >>= 4)
    id += hex[v & 0xf];

  sim_run run;
  run.id = id;
  run.agent = std::move(agent);
  run.version = std::move(version);
  run.created = steady::now();
  run.created_unix_ms = unix_now_us() / 1000;
  run.phases = durations.phases_for(run.agent, timing_, durations_rng_);
  run.executed_at = now_text();
  run.callback_url = std::move(callback_url);
  if (const auto* b = params.if_contains("batchCount"); b && b->is_int64()) // checked 1-16 by sim_rules
    run.batch_count = static_cast<int>(b->get_int64());
  const auto* task = input.if_contains("taskName");
  const std::string task_name = task && task->is_string() ? std::string(task->get_string()) : "";
  run.will_fail = task_name.find("sim:fail") != std::string::npos ||
                  (fail_rate_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < fail_rate_);
  run.page_results = task_name.find("sim:page-result") != std::string::npos;
  run.partial = task_name.find("sim:partial") != std::string::npos;
  run.short_count = short_marker(task_name, run.batch_count);
  ++runs_created_;
  capacity.run_started(run.created, run.created + run.phases.total());
  ++runs_by_task_[task_name];
  ++runs_by_input_[weshopd::sha256_hex(json::serialize(input)).substr(0, 16)];
  run.input = std::move(input);
  run.params = std::move(params);
  return runs_.emplace(id, std::move(run)).first->second;
}

const sim_run* sim_state::find_run(std::string_view id) const
{
  const auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : &it->second;
}

sim_run* sim_state::find_run(std::string_view id)
{
  const auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : &it->second;
}

std::string sim_state::status_at(const sim_run& run, steady::time_point now) const
{
  const auto age = now - run.created;
  if (age < run.phases.pending)
    return "Pending";
  if (age < run.phases.pending + run.phases.segmenting)
    return "Segmenting";
  if (age < run.phases.total())
    return "Running";
  return run.will_fail ? "Failed" : "Success";
}

int sim_state::items_due(const sim_run& run, steady::time_point now) const
{
  const auto status = status_at(run, now);
  if (status == "Success")
    return run.batch_count;
  int due = 0;
  if (status == "Running" && run.partial) {
    // Item i appears at running start + (i+1)·running/(batchCount+1).
    const auto running_for = now - (run.created + run.phases.pending + run.phases.segmenting);
    const steady::duration running = run.phases.running;
    while (due < run.batch_count && running_for >= running * (due + 1) / (run.batch_count + 1))
      ++due;
  }
  return due;
}

json::array sim_state::results_at(const sim_run& run, steady::time_point now) const
{
  json::array items;
  for (int i = 0, due = items_due(run, now); i < due; ++i) {
    if (run.short_count && i >= *run.short_count) {
      items.push_back(json::object{{"status", "Failed"}});
      continue;
    }
    items.push_back(json::object{{"status", "Success"},
                                 {"image", images_base_ + "/results/" + run.id + "/" + std::to_string(i) +
                                             (run.page_results ? ".html" : ".png")}});
  }
  return items;
}

json::object sim_state::run_data(const sim_run& run, steady::time_point now, bool unknown_status) const
{
  const auto status = unknown_status ? std::string("Upscaling") : status_at(run, now);
  json::object execution{{"executionId", run.id}, {"status", status}, {"executionTime", run.executed_at},
                         {"params", run.params},  {"result", unknown_status ? json::array{} : results_at(run, now)}};
  if (status == "Failed")
    execution["error"] = json::object{{"code", "GENERATION_FAILED"}, {"message", "the simulated run failed"}};
  return {{"agentName", run.agent},
          {"agentVersion", run.version},
          {"initParams", run.input},
          {"executions", json::array{std::move(execution)}}};
}

std::string sim_state::store_upload(std::string bytes, std::string_view extension)
{
  ++uploads_;
  const auto name = weshopd::sha256_hex(bytes).substr(0, 32) + "." + std::string(extension);
  uploaded_[name] = std::move(bytes);
  return images_base_ + "/uploads/" + name;
}

const std::string* sim_state::find_upload(std::string_view name) const
{
  const auto it = uploaded_.find(name);
  return it == uploaded_.end() ? nullptr : &it->second;
}

json::object sim_state::stats()
{
  json::object requests;
  for (const auto& [k, v] : requests_)
    requests[k] = v;
  json::object by_task, by_input;
  for (const auto& [k, v] : runs_by_task_)
    by_task[k] = v;
  for (const auto& [k, v] : runs_by_input_)
    by_input[k] = v;
  // What WeShop would bill: the result items whose own status is Success by now.
  std::int64_t images = 0;
  const auto now = steady::now();
  for (const auto& [id, run] : runs_) {
    const auto due = items_due(run, now);
    images += run.short_count ? std::min(due, *run.short_count) : due;
  }
  return {{"requests", std::move(requests)},
          {"runs_created", runs_created_},
          {"images_produced", images},
          {"runs_by_task", std::move(by_task)},
          {"runs_by_input", std::move(by_input)},
          {"uploads", uploads_},
          {"tls_handshakes", tls_handshakes},
          {"key_leaks", key_leaks},
          {"auth_failures", auth_failures},
          {"callbacks", json::object{{"sent", callbacks_sent}, {"dropped", callbacks_dropped}, {"failed", callbacks_failed}}},
          {"capacity", capacity.stats(now)}};
}

void sim_state::reset()
{
  faults_.clear();
  requests_.clear();
  runs_by_task_.clear();
  runs_by_input_.clear();
  runs_created_ = uploads_ = 0;
  tls_handshakes = key_leaks = auth_failures = 0;
  callbacks_sent = callbacks_dropped = callbacks_failed = 0;
  callback_sent_us.clear();
  fetched_after_callback_us.clear();
  sink.clear();
  received_.clear();
  capacity.reset(steady::now());
}

void sim_state::record_received(received_run_request r)
{
  received_.push_back(std::move(r));
  if (received_.size() > received_kept)
    received_.pop_front();
}

json::array sim_state::received() const
{
  json::array out;
  for (const auto& r : received_)
    out.push_back(json::object{{"executionId", r.execution_id ? json::value(*r.execution_id) : json::value(nullptr)},
                               {"status", r.status},
                               {"body", r.body}});
  return out;
}

json::array sim_state::runs(steady::time_point now) const
{
  std::vector<const sim_run*> by_age;
  for (const auto& [id, run] : runs_)
    by_age.push_back(&run);
  std::ranges::stable_sort(by_age, {}, &sim_run::created);
  json::array out;
  for (const auto* run : by_age) {
    const auto* task = run->input.if_contains("taskName");
    const bool terminal = now - run->created >= run->phases.total();
    out.push_back(json::object{
      {"executionId", run->id},
      {"agent", run->agent},
      {"taskName", task ? *task : json::value(nullptr)},
      {"status", status_at(*run, now)},
      {"createdAt", run->created_unix_ms},
      {"terminalAt", terminal ? json::value(run->created_unix_ms + run->phases.total().count()) : json::value(nullptr)},
      {"polls", run->polls}});
  }
  return out;
}

} // namespace weshop_sim
