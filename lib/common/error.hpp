#pragma once
// weshopd's own error codes: the ordinary, expected failures that functions
// return as values (boost::system::result<T>) instead of throwing.
// Mapping these to HTTP statuses happens in exactly one place (lib/api).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>

namespace weshopd {

enum class errc {
  ok = 0,
  // job store: outcomes a caller is expected to handle
  not_found,            // no job / row with that id
  stale_state,          // compare-and-set lost: the job is no longer in the expected state
  illegal_transition,   // the state machine forbids from -> to
  idempotency_conflict, // same Idempotency-Key, different request body
  budget_exceeded,      // the job would take a budget past its limit (policy reject)
  overloaded,           // a bounded queue is full; try again later
  shutting_down,        // the component is stopping and takes no new work
  // storage failures (from the database), kept apart so the API can answer 503 clearly
  storage_full,
  storage_readonly,
  storage_io,
  storage_busy,
  storage_corrupt,
  storage_failed, // any other database error
  // schema
  migration_tampered,   // an applied migration's text changed since it ran
  database_too_new,     // the database has migrations this binary does not know
  // upstream data
  bad_envelope,         // not a WeShop envelope
  bad_run,              // an envelope whose data is not a run
  // job store (appended: the values above keep their numbers)
  job_expired,          // no such job any more: retention purged it (a tombstone remembers the id)
};

const boost::system::error_category& weshopd_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
  return {static_cast<int>(e), weshopd_category()};
}

template <class T>
using result = boost::system::result<T>;

// A code and what a person needs to act on it (the migration that changed,
// the database's own words): for failures that are reported more than
// branched on, e.g. opening the store at start.
struct detailed_error {
  boost::system::error_code code{};
  std::string detail{};

  std::string message() const; // the code's message, then the detail
};

template <class T>
using detailed_result = boost::system::result<T, detailed_error>;

// What detailed_result::value() throws on an error (found by ADL).
[[noreturn]] void throw_exception_from_error(const detailed_error& f, const boost::source_location& loc);

} // namespace weshopd

template <>
struct boost::system::is_error_code_enum<weshopd::errc> : std::true_type {};
