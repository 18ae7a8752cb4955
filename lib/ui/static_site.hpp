#pragma once
// Serves the dashboard's embedded files under /ui/: content type by
// extension, a strong ETag (304 on If-None-Match), revalidated on every load
// so an upgraded daemon never serves a stale page.

#include "http/message.hpp"

#include <optional>
#include <string_view>

namespace weshopd::ui {

// The file at `name` ("" is index.html); nullopt when there is none.
std::optional<http::outgoing> serve(std::string_view name, std::string_view if_none_match);

} // namespace weshopd::ui
