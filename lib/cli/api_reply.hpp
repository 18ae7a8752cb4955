#pragma once
// Reading weshopd's answers in weshopctl: the JSON body, and an error answer
// told to the user with the exit code it means (see commands.hpp).

#include "cli/commands.hpp"

#include <boost/json/object.hpp>

namespace weshopd::cli {

// A JSON string's text ("" for anything else).
std::string text_of(const boost::json::value& v);
// The body as a JSON object (empty when it is not one).
boost::json::object body_object(const reply& r);
// Prints weshopd's error (code, message, each field's problem) and returns the exit code for it.
int report_error(const reply& r, output io);
// "/v1/jobs/<id>" with the id percent-encoded.
std::string job_path(std::string_view id);
// "/v1/batches/<id>", likewise.
std::string batch_path(std::string_view id);
// The exit code of a job's final state.
int exit_code_of(const boost::json::object& job);

} // namespace weshopd::cli
