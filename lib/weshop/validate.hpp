#pragma once
// Checks a run request ({agent, input, params}) against the catalog and
// returns every violation at once, each with its JSON Pointer. Pure: no I/O,
// never throws on hostile JSON (any type anywhere, nulls, huge numbers,
// unknown fields): those are violations. `null` and an empty string count as
// absent (canonical.hpp drops them before the request is stored or sent).

#include "weshop/violation.hpp"

#include <boost/json/value.hpp>

namespace weshopd::weshop {

violations validate(const boost::json::value& request);

// What the guide is silent on but is probably a mistake (a mask with a
// maskType that ignores it): the request is valid and goes as given; these
// travel with it. Only meaningful for a request validate() accepted.
violations warnings(const boost::json::value& request);

} // namespace weshopd::weshop
