#include "config/reload_plan.hpp"

#include "config/settings_table.hpp"

namespace weshopd::config {

reload_plan plan_reload(const settings& running, const settings& loaded)
{
  reload_plan plan{loaded, {}, {}};
  for (const auto& s : detail::table()) {
    if (s.same(running, loaded))
      continue;
    if (s.live) {
      plan.applied.emplace_back(s.name);
    } else {
      s.keep(plan.next, running);
      plan.kept.emplace_back(s.name);
    }
  }
  return plan;
}

bool reloads_live(std::string_view key)
{
  const auto* s = detail::find(key);
  return s && s->live;
}

} // namespace weshopd::config
