#include "job/job_state.hpp"

#include <array>

namespace weshopd {
namespace {

using enum job_state;

struct edge {
  job_state from;
  job_state to;
};

// Every legal transition, and nothing else.
constexpr std::array edges{
  edge{queued, uploading},     edge{queued, submitting},   edge{queued, failed},       edge{queued, canceled},
  edge{uploading, submitting}, edge{uploading, queued},    edge{uploading, failed},    edge{uploading, canceled},
  edge{submitting, running},   edge{submitting, queued},   edge{submitting, failed},   edge{submitting, canceled},
  edge{running, succeeded},    edge{running, failed},      edge{running, canceled},
  edge{failed, queued}, // explicit retry by a user
};

constexpr std::array<std::string_view, 7> names{"queued",    "uploading", "submitting", "running",
                                                "succeeded", "failed",    "canceled"};

} // namespace

std::string_view to_string(job_state s)
{
  return names.at(static_cast<std::size_t>(s));
}

std::optional<job_state> parse_job_state(std::string_view text)
{
  for (auto s : all_job_states)
    if (to_string(s) == text)
      return s;
  return std::nullopt;
}

bool is_terminal(job_state s)
{
  return s == succeeded || s == failed || s == canceled;
}

bool can_transition(job_state from, job_state to)
{
  for (const auto& e : edges)
    if (e.from == from && e.to == to)
      return true;
  return false;
}

} // namespace weshopd
