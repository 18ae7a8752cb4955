#pragma once
// The job lifecycle of DESIGN.md as one table:
//
//   queued -> uploading -> submitting -> running -> succeeded
//                                           \----> failed
//   any non-terminal ----------------------------> canceled
//
// plus the edges that retries need: a submit that provably never left goes
// back to queued, and a user may retry a failed job (failed -> queued).
// Pure and thread-safe; the store refuses every transition this table refuses.

#include <optional>
#include <string_view>

namespace weshopd {

enum class job_state { queued, uploading, submitting, running, succeeded, failed, canceled };

inline constexpr job_state all_job_states[] = {job_state::queued,    job_state::uploading, job_state::submitting,
                                               job_state::running,   job_state::succeeded, job_state::failed,
                                               job_state::canceled};

std::string_view to_string(job_state s);
std::optional<job_state> parse_job_state(std::string_view text);

bool is_terminal(job_state s);

// True when the lifecycle allows moving from `from` to `to` (from != to).
bool can_transition(job_state from, job_state to);

} // namespace weshopd
