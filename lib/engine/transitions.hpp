#pragma once
// The steps every part uses to change a job: a compare-and-set transition
// that waits out a failing disk, failing a job, counting a retry. Internal
// to lib/engine.
//
// Coroutine parameters are references to named objects of the caller:
// GCC 12 mishandles class prvalues passed to coroutines (seen as double frees).

#include "engine/context.hpp"

#include <string>
#include <string_view>

namespace weshopd::engine {

bool is_storage_failure(const boost::system::error_code& ec);

// Moves `j` to `to` (compare-and-set on its state). A transition the disk
// refused (full, read-only, I/O error) is tried again until it lands, so the
// job waits instead of being dropped. Once stored: waiters, the feed and
// on_event hear of it, and the change is logged.
boost::asio::awaitable<result<job>> transition_with_retry(engine_context& ctx, const job& j, job_state to,
                                                          const store::job_patch& patch, const std::string& detail);

boost::asio::awaitable<result<job>> fail_job(engine_context& ctx, const job& j, const job_error& error);

// step: uploading, submitting (the job goes back to queued) or poll.
void count_retry(std::string_view step);

} // namespace weshopd::engine
