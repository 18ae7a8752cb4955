#pragma once
// The run request as WeShop gets it, and as budgets price it: one form for
// each value a client may write several ways. In `input` and `params`, a null
// or an empty string is absent (removed), and an integral number is a JSON
// integer (2.0 and 2e0 become 2; Boost.JSON would send 2.0 as "2E0"). A
// number with a fraction stays as it is, for validate() to refuse. Pure and
// idempotent: applied at intake (what is stored) and again before sending
// (jobs stored before this existed).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace weshopd::weshop {

// A null or an empty string: what the canonical form leaves out.
bool is_absent(const boost::json::value& v);

// input or params, in place.
void canonicalize_fields(boost::json::object& fields);

// A whole request {agent, input, params, ...}, in place; members that are not
// objects are left for validate() to report.
void canonicalize(boost::json::object& request);

} // namespace weshopd::weshop
