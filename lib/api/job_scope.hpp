#pragma once
// Token scopes: which jobs a request may see and act on. With named tokens
// (api.token_file), a job belongs to the token that created it; a token that
// is not admin sees only its own, and another token's job answers exactly as
// a job that does not exist (404 not_found), so ids cannot be probed.
// Without tokens, with one name only, or for an admin token: every job.

#include "http/message.hpp"
#include "job/batch.hpp"
#include "job/job.hpp"

#include <optional>
#include <string>

namespace weshopd::api {

// The token whose jobs the request is limited to; nullopt: every job.
std::optional<std::string> owner_filter(const http::incoming& req);

// Whether the request may see (and act on) this job.
bool may_see(const http::incoming& req, const job& j);
// The same for a batch (it belongs to the token that created it).
bool may_see(const http::incoming& req, const batch& b);

} // namespace weshopd::api
