#include "store/job_rows.hpp"

#include <stdexcept>

namespace weshopd::store {

void link_copies(boost::json::array& results, const std::string& job_id, const std::vector<result_file>& files)
{
  for (const auto& f : files)
    if (f.n >= 0 && static_cast<std::size_t>(f.n) < results.size() && results[f.n].is_object()) {
      auto& item = results[f.n].as_object();
      item["localUrl"] = "/v1/jobs/" + job_id + "/results/" + std::to_string(f.n);
      item["sha256"] = f.sha256;
      item["bytes"] = f.bytes;
    }
}

void unlink_copies(boost::json::array& results)
{
  for (auto& item : results)
    if (auto* o = item.if_object()) {
      o->erase("localUrl");
      o->erase("sha256");
      o->erase("bytes");
    }
}

job_state state_of(const std::string& text)
{
  const auto s = parse_job_state(text);
  if (!s)
    throw std::runtime_error("unknown job state in database: " + text);
  return *s;
}

} // namespace weshopd::store
