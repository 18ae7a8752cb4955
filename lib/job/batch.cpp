#include "job/batch.hpp"

namespace weshopd {

namespace {

constexpr std::pair<batch_state, std::string_view> names[] = {
  {batch_state::running, "running"},   {batch_state::succeeded, "succeeded"},
  {batch_state::partially_failed, "partially_failed"}, {batch_state::failed, "failed"},
  {batch_state::canceled, "canceled"},
};

} // namespace

std::string_view to_string(batch_state s)
{
  for (const auto& [state, name] : names)
    if (state == s)
      return name;
  return "running";
}

std::optional<batch_state> parse_batch_state(std::string_view text)
{
  for (const auto& [state, name] : names)
    if (name == text)
      return state;
  return std::nullopt;
}

std::int64_t batch::finished() const
{
  return count(job_state::succeeded) + count(job_state::failed) + count(job_state::canceled);
}

batch_state batch_state_of(const batch& b)
{
  if (b.finished() < b.items)
    return batch_state::running;
  const auto succeeded = b.count(job_state::succeeded);
  if (succeeded == b.items)
    return batch_state::succeeded;
  if (b.cancel_requested)
    return batch_state::canceled;
  return succeeded == 0 ? batch_state::failed : batch_state::partially_failed;
}

} // namespace weshopd
