#include "sim_admin.hpp"

#include "sim_envelope.hpp"

namespace weshop_sim {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

answer admin_error(std::string_view text)
{
  return {400, json::object{{"error", text}}};
}

answer faults(sim_state& state, verb method, std::string_view body)
{
  if (method == verb::get || method == verb::delete_) {
    if (method == verb::delete_)
      state.set_faults({});
    json::array out;
    for (const auto& f : state.faults())
      out.push_back(to_json(f));
    return {200, json::object{{"faults", std::move(out)}}};
  }
  const auto parsed = parse_json_limited(body);
  const auto* list = parsed && parsed->is_object() ? parsed->as_object().if_contains("faults") : nullptr;
  if (!list || !list->is_array())
    return admin_error("expected {\"faults\": [...]}");
  std::vector<fault> faults;
  for (const auto& v : list->get_array()) {
    std::string error;
    auto f = fault_from_json(v, error);
    if (!f)
      return admin_error(error);
    faults.push_back(*f);
  }
  state.set_faults(std::move(faults));
  return {200, json::object{{"faults", list->get_array()}}};
}

answer callbacks(admin_controls& controls, std::string_view body)
{
  const auto parsed = parse_json_limited(body);
  const auto* mode = parsed && parsed->is_object() ? parsed->as_object().if_contains("mode") : nullptr;
  const auto chosen = mode && mode->is_string() ? parse_callback_mode(mode->get_string()) : std::nullopt;
  if (!chosen)
    return admin_error("mode: off|once|duplicate|delayed|dropped|wrong_path");
  controls.callbacks = *chosen;
  if (const auto* d = parsed->as_object().if_contains("delay_ms"); d && d->is_int64())
    controls.callback_delay = std::chrono::milliseconds(d->get_int64());
  return {200, json::object{{"mode", mode->get_string()}}};
}

answer callbacks_sent(const sim_state& state)
{
  json::object sent;
  for (const auto& [run, at] : state.callback_sent_us)
    sent[run] = at;
  json::object fetched;
  for (const auto& [run, at] : state.fetched_after_callback_us)
    fetched[run] = at;
  return {200, json::object{{"sent_us", std::move(sent)}, {"fetched_us", std::move(fetched)}}};
}

// GET: the limits and counters; POST {"max_running"?: K, "max_rps"?: R}
// changes the limits given (0: none) at once.
answer capacity(sim_state& state, verb method, std::string_view body)
{
  if (method == verb::post) {
    const auto parsed = parse_json_limited(body);
    const auto* o = parsed ? parsed->if_object() : nullptr;
    if (!o || o->empty())
      return admin_error("body: {\"max_running\"?: K, \"max_rps\"?: R}");
    auto limits = state.capacity.limits();
    for (const auto& [key, value] : *o) {
      const bool whole = value.is_int64() && value.get_int64() >= 0;
      if (!whole || (key != "max_running" && key != "max_rps"))
        return admin_error("max_running and max_rps are whole numbers >= 0; nothing else");
      (key == "max_running" ? limits.max_running : limits.max_rps) = static_cast<std::uint64_t>(value.get_int64());
    }
    state.capacity.set_limits(limits);
  }
  return {200, state.capacity.stats(steady::now())};
}

// GET: the fixed phases and the distributions; POST {"lognormal": {AGENT|"*": {"median_ms", "sigma"}}}
// replaces the distributions ({}: every run on the fixed phases) for the runs created from now on.
answer durations(sim_state& state, verb method, std::string_view body)
{
  if (method == verb::post) {
    const auto parsed = parse_json_limited(body);
    const auto* o = parsed ? parsed->if_object() : nullptr;
    const auto* lognormal = o && o->size() == 1 ? o->if_contains("lognormal") : nullptr;
    if (!lognormal || !lognormal->is_object())
      return admin_error("body: {\"lognormal\": {\"AGENT or *\": {\"median_ms\": M, \"sigma\": S}}}");
    std::string error;
    auto chosen = run_durations::from_json(lognormal->get_object(), error);
    if (!chosen)
      return admin_error(error);
    state.durations = std::move(*chosen);
  }
  const auto& fixed = state.run_timing();
  return {200, json::object{{"fixed", json::object{{"pending_ms", fixed.pending.count()},
                                                   {"segmenting_ms", fixed.segmenting.count()},
                                                   {"running_ms", fixed.running.count()}}},
                            {"lognormal", state.durations.to_json()}}};
}

} // namespace

answer handle_admin(sim_state& state, admin_controls& controls, verb method, std::string_view path,
                    std::string_view body)
{
  if (path == "/admin/stats" && method == verb::get)
    return {200, state.stats()};
  if (path == "/admin/received" && method == verb::get)
    return {200, state.received()};
  if (path == "/admin/runs" && method == verb::get)
    return {200, json::object{{"runs", state.runs(steady::now())}}};
  if (path == "/admin/durations" && (method == verb::get || method == verb::post))
    return durations(state, method, body);
  if (path == "/admin/outage" && method == verb::post) {
    const auto parsed = parse_json_limited(body);
    const auto* on = parsed && parsed->is_object() ? parsed->as_object().if_contains("on") : nullptr;
    if (!on || !on->is_bool())
      return admin_error("body: {\"on\": true|false}");
    controls.set_outage(on->as_bool());
    return {200, json::object{{"outage", controls.outage()}}};
  }
  if (path == "/admin/reset" && method == verb::post) {
    state.reset();
    return {200, json::object{{"reset", true}}};
  }
  if (path == "/admin/capacity" && (method == verb::get || method == verb::post))
    return capacity(state, method, body);
  if (path == "/admin/faults" && (method == verb::get || method == verb::delete_ || method == verb::post))
    return faults(state, method, body);
  if (path.starts_with("/admin/sink")) {
    if (method == verb::get)
      return {200, json::object{{"received", state.sink}}};
    const auto parsed = parse_json_limited(body);
    state.sink.push_back(json::object{{"path", path}, {"body", parsed ? *parsed : json::value(body)}});
    return {204, nullptr};
  }
  if (path == "/admin/callbacks/sent" && method == verb::get)
    return callbacks_sent(state);
  if (path == "/admin/callbacks" && method == verb::post)
    return callbacks(controls, body);
  return {404, json::object{{"error", "no such admin endpoint"}}};
}

} // namespace weshop_sim
