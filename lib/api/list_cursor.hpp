#pragma once
// Opaque list cursors of GET /v1/jobs: they name the last job of a page.

#include <optional>
#include <string>
#include <string_view>

namespace weshopd::api {

std::string encode_cursor(const std::string& last_id);
// nullopt for anything this server did not issue.
std::optional<std::string> decode_cursor(std::string_view cursor);

} // namespace weshopd::api
