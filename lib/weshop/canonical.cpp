#include "weshop/canonical.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

namespace weshopd::weshop {
namespace json = boost::json;

namespace {

// The same number as an int64, when it is integral and fits.
void as_integer(json::value& v)
{
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    v = static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double()) {
    const double d = v.get_double();
    // [-2^63, 2^63): both bounds are exact doubles.
    if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      v = static_cast<std::int64_t>(d);
  }
}

} // namespace

bool is_absent(const json::value& v)
{
  return v.is_null() || (v.is_string() && v.get_string().empty());
}

void canonicalize_fields(json::object& fields)
{
  // Rebuilt rather than erased in place: Boost 1.81's erase moves the last
  // member into the hole, and the caller's order is worth keeping.
  json::object kept(fields.storage());
  kept.reserve(fields.size());
  for (auto& kv : fields)
    if (!is_absent(kv.value())) {
      as_integer(kv.value());
      kept.emplace(kv.key(), std::move(kv.value()));
    }
  fields = std::move(kept);
}

void canonicalize(json::object& request)
{
  for (const auto* member : {"input", "params"})
    if (auto* v = request.if_contains(member); v && v->is_object())
      canonicalize_fields(v->get_object());
}

} // namespace weshopd::weshop
