// Hostile JSON into POST /v1/jobs's checks: the size-limited parser, the
// WeShop validator (every violation), the notify member, canonical form.
#include "api/notify_field.hpp"
#include "common/canonical_json.hpp"
#include "weshop/envelope.hpp"
#include "weshop/validate.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  auto body = weshopd::weshop::parse_json_limited({reinterpret_cast<const char*>(data), size});
  if (!body)
    return 0;
  const auto violations = weshopd::weshop::validate(*body);
  weshopd::weshop::violations problems;
  if (const auto* obj = body->if_object(); obj && obj->contains("notify"))
    (void)weshopd::api::read_notify_field(obj->at("notify"), problems);
  if (violations.empty())
    (void)weshopd::canonical_json(*body);
  return 0;
}
