#pragma once
// The configuration reference, written from the settings table so that it
// cannot drift from the code: every key with its type, default, environment
// override, what it does and whether a reload applies it. `weshopd
// --print-config-reference` prints it; docs/configuration.md is that output
// (a test compares them) and weshopd.conf(5)'s settings come from it.

#include <string>

namespace weshopd::config {

// The reference as Markdown: an introduction, a table of every key, then one
// "## [section]" per section with a "### `section.key`" entry per key. The
// man page build (docs/man/reference_to_scdoc.py) relies on that shape.
std::string reference_markdown();

} // namespace weshopd::config
