#include "common/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <string>

namespace weshopd {
namespace {

class category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "weshopd"; }

  std::string message(int ev) const override
  {
    switch (static_cast<errc>(ev)) {
    case errc::ok: return "success";
    case errc::not_found: return "not found";
    case errc::job_expired: return "the job finished long ago and was deleted by retention";
    case errc::stale_state: return "the job is no longer in the expected state";
    case errc::illegal_transition: return "the job state machine forbids this transition";
    case errc::idempotency_conflict: return "Idempotency-Key was used with a different request";
    case errc::budget_exceeded: return "the job would exceed a spending budget";
    case errc::overloaded: return "overloaded, try again later";
    case errc::shutting_down: return "shutting down";
    case errc::storage_full: return "the database disk is full";
    case errc::storage_readonly: return "the database is read-only";
    case errc::storage_io: return "the database had an I/O error";
    case errc::storage_busy: return "the database is locked by another process";
    case errc::storage_corrupt: return "the database file is corrupt";
    case errc::storage_failed: return "the database failed";
    case errc::migration_tampered: return "an applied migration was changed after it ran";
    case errc::database_too_new: return "the database was migrated by a newer weshopd";
    case errc::bad_envelope: return "not a WeShop response envelope";
    case errc::bad_run: return "not a WeShop run";
    }
    return "unknown weshopd error";
  }
};

} // namespace

const boost::system::error_category& weshopd_category() noexcept
{
  static const category instance;
  return instance;
}

std::string detailed_error::message() const
{
  return detail.empty() ? code.message() : code.message() + ": " + detail;
}

void throw_exception_from_error(const detailed_error& f, const boost::source_location& loc)
{
  boost::throw_exception(boost::system::system_error(f.code, f.detail), loc);
}

} // namespace weshopd
