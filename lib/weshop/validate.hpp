#pragma once
// Checks a run request ({agent, input, params}) against the catalog and
// returns every violation at once, each with its JSON Pointer. Pure: no I/O,
// never throws on hostile JSON (any type anywhere, nulls, huge numbers,
// unknown fields): those are violations. `null` counts as absent.

#include "weshop/violation.hpp"

#include <boost/json/value.hpp>

namespace weshopd::weshop {

violations validate(const boost::json::value& request);

} // namespace weshopd::weshop
