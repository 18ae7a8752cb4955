// Hostile bytes as WeShop's answers: envelopes and runs.
#include "weshop/envelope.hpp"
#include "weshop/run.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto env = weshopd::weshop::parse_envelope(text); env)
    (void)weshopd::weshop::parse_run(*env);
  return 0;
}
