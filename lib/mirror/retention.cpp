#include "mirror/retention.hpp"

#include <unordered_map>
#include <unordered_set>

namespace weshopd::mirror {

std::vector<std::string> jobs_to_expire(const std::vector<store::result_file>& files, timestamp now,
                                        std::chrono::milliseconds max_age, std::uint64_t max_total_bytes)
{
  std::unordered_map<std::string, std::uint64_t> bytes_of_job;
  std::uint64_t total = 0;
  for (const auto& f : files) {
    bytes_of_job[f.job_id] += static_cast<std::uint64_t>(f.bytes);
    total += static_cast<std::uint64_t>(f.bytes);
  }
  std::vector<std::string> out;
  std::unordered_set<std::string> chosen;
  for (const auto& f : files) { // oldest first
    const bool too_old = now - f.stored_at > max_age;
    if (!too_old && total <= max_total_bytes)
      break;
    if (chosen.insert(f.job_id).second) {
      out.push_back(f.job_id);
      total -= bytes_of_job[f.job_id];
    }
  }
  return out;
}

} // namespace weshopd::mirror
