#pragma once
// The secret files the settings name, read and checked at start (after the
// API key, before the store opens) and again at each reload (SIGHUP): api.token_file's tokens,
// notify.secret_file's signing key, store.password_file's password. The
// settings checked that each is a readable file; this reads them. The first
// file that cannot be used stops the start with its key and why (never its
// contents). --check-config does not read them.

#include "config/config.hpp"

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace weshopd::config {

// One line of api.token_file: "secret", "name secret" or "name secret admin"
// (the name is what per-token budgets and usage reports call it, and whose
// jobs it sees; "default" without; admin: every job).
struct api_token {
  std::string name;
  std::string secret;
  bool admin = false;
};

struct secrets {
  std::vector<api_token> api_tokens;     // empty: no token file, the API needs none
  std::optional<std::string> notify_key; // the signing key (notify/signature.hpp); none: no notifications
  std::string store_password;            // the file's first line without trailing space; "" without a file
};

struct secrets_result {
  secrets values;
  std::string key;     // the setting whose file was refused, "" when all were read
  std::string problem; // why
  explicit operator bool() const { return key.empty(); }
};

secrets_result read_secrets(const settings& s);

// The tokens of a token file; empty with `problem` set when a line is bad or none is there.
std::vector<api_token> parse_api_tokens(std::istream& in, std::string& problem);

} // namespace weshopd::config
