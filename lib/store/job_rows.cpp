#include "store/job_rows.hpp"

#include <stdexcept>

namespace weshopd::store {

job_state state_of(const std::string& text)
{
  const auto s = parse_job_state(text);
  if (!s)
    throw std::runtime_error("unknown job state in database: " + text);
  return *s;
}

} // namespace weshopd::store
