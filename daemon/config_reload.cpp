#include "config_reload.hpp"

#include "common/log.hpp"
#include "common/time.hpp"
#include "component_options.hpp"
#include "config/reload_plan.hpp"
#include "config/secrets.hpp"

#include <boost/json.hpp>

#include <chrono>

#include <systemd/sd-daemon.h>

namespace weshopd {

namespace {

std::string joined(const std::vector<std::string>& items, std::string_view separator)
{
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

} // namespace

void reload_record::set(outcome o)
{
  std::lock_guard lock(mutex_);
  last_ = std::move(o);
}

boost::json::value reload_record::to_json() const
{
  std::lock_guard lock(mutex_);
  if (!last_)
    return nullptr;
  boost::json::array kept;
  for (const auto& k : last_->kept)
    kept.emplace_back(k);
  return boost::json::object{
    {"at", last_->at}, {"result", last_->result}, {"detail", last_->detail}, {"kept", std::move(kept)}};
}

config_reloader::config_reloader(config::sources from, config::settings running, reload_targets targets,
                                 reload_record& record, metrics::registry& metrics)
  : from_(std::move(from)),
    running_(std::move(running)),
    targets_(targets),
    record_(record),
    applied_(metrics.counter_of("weshopd_config_reloads_total", "Reloads of the configuration (SIGHUP), by outcome.",
                                {{"result", "applied"}})),
    invalid_(metrics.counter_of("weshopd_config_reloads_total", "Reloads of the configuration (SIGHUP), by outcome.",
                                {{"result", "invalid"}}))
{
}

void config_reloader::reload()
{
  // MONOTONIC_USEC: what Type=notify-reload units need with RELOADING=1.
  const auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(since_boot).count();
  sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
  log(log_level::info, "reload", {{"config", from_.file.value_or("-")}});
  const auto loaded = config::load(from_);
  if (!loaded) {
    std::vector<std::string> errors;
    for (const auto& e : loaded.errors)
      errors.push_back("configuration: " + e.to_string()); // as --check-config says it
    refuse(joined(errors, "; "));
    return;
  }
  apply(config::plan_reload(running_, loaded.values));
}

void config_reloader::refuse(const std::string& detail)
{
  log(log_level::warning, "reload", {{"result", "invalid"}, {"detail", detail}, {"action", "nothing changed"}});
  invalid_.add();
  record_.set({to_rfc3339(now_ms()), "invalid", detail, {}});
  sd_notify(0, "READY=1");
}

// The secret files first: a token file that cannot be read refuses the whole
// reload, as it would refuse a start. Then every live part, each at once.
void config_reloader::apply(const config::reload_plan& plan)
{
  const auto& next = plan.next;
  const auto& kept = plan.kept;
  const auto& applied = plan.applied;
  const auto secrets = config::read_secrets(next);
  if (!secrets) {
    refuse(secrets.key + ": " + secrets.problem);
    return;
  }
  set_log_threshold(next.log.level);
  const auto budget = std::make_shared<const budget::budget_policy>(wiring::budget_options(next));
  targets_.budget.store(budget);
  targets_.engine.set_budget(budget);
  targets_.engine.set_weights(next.scheduler.weights);
  targets_.api.apply(wiring::api_live_options(next, secrets.values, budget));
  targets_.api_server.set_request_limits(next.limits.max_header, next.limits.max_body);
  targets_.outbound.reallow(next.outbound.allow);
  running_ = next;

  if (!kept.empty())
    log(log_level::warning, "reload", {{"kept", joined(kept, ",")}, {"action", "restart to apply"}});
  const auto detail = (applied.empty() ? std::string("no setting changed") : "changed: " + joined(applied, ", ")) +
                      "; " + std::to_string(secrets.values.api_tokens.size()) + " API token(s)";
  log(log_level::info, "reload", {{"result", "applied"}, {"detail", detail}});
  applied_.add();
  record_.set({to_rfc3339(now_ms()), "applied", detail, kept});
  sd_notify(0, "READY=1");
}

} // namespace weshopd
