#pragma once
// The canonical text of a JSON value: object keys sorted (by bytes), no
// whitespace. Two bodies that differ only in key order or spacing have the same
// canonical text, which is what Idempotency-Key comparison needs.

#include <boost/json/value.hpp>

#include <string>

namespace weshopd {

std::string canonical_json(const boost::json::value& v);

} // namespace weshopd
