#pragma once
// The batch resource as JSON: what POST/GET /v1/batches answer, what the
// batch's live stream and its notifications carry. Pure: no I/O.

#include "job/batch.hpp"

#include <boost/json/object.hpp>

namespace weshopd {

boost::json::object to_json(const batch& b);
// {"queued": n, ..., "canceled": n}: the items by state.
boost::json::object counts_json(const batch& b);

} // namespace weshopd
