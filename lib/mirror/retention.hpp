#pragma once
// Which mirrored jobs the retention sweep lets go: every job with a copy older
// than max_age, then, while the copies left still exceed max_total_bytes, the
// jobs with the oldest copies. A job's copies go together. Pure.

#include "store/job_store.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace weshopd::mirror {

// files: oldest first (job_store::result_files()).
std::vector<std::string> jobs_to_expire(const std::vector<store::result_file>& files, timestamp now,
                                        std::chrono::milliseconds max_age, std::uint64_t max_total_bytes);

} // namespace weshopd::mirror
