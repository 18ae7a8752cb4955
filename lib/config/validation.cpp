// Checks across settings, and the defaults derived from others (see validation.hpp).
#include "config/validation.hpp"
#include "config/directory_check.hpp"

#include "http/browser_guard.hpp"
#include "http/origin.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>

namespace weshopd::config::detail {
namespace {

namespace fs = std::filesystem;

// A libpq URI with user:password@, or a key=value string with password=.
bool has_password(const std::string& url)
{
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    const auto rest = url.substr(url.find("://") + 3);
    const auto at = rest.find('@');
    const auto userinfo = rest.substr(0, at == std::string::npos ? 0 : at);
    return userinfo.find(':') != std::string::npos || url.find("password=") != std::string::npos;
  }
  return url.find("password") != std::string::npos;
}

bool readable_file(const std::string& path)
{
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), R_OK) == 0;
}

void check_readable(const std::optional<std::string>& path, const char* key, std::vector<error>& errors)
{
  if (path && !readable_file(*path))
    errors.push_back({key, *path + " is not a readable file"});
}

void check_store(settings& s, const std::string& state_dir, std::vector<error>& errors)
{
  if (s.store.backend == store_backend::sqlite && s.store.path.empty()) {
    if (!state_dir.empty())
      s.store.path = state_dir + "/weshopd.db";
    else
      errors.push_back({"store.path", "is required (or run under systemd with StateDirectory=)"});
  }
  if (s.store.backend == store_backend::postgres) {
    if (!s.store.url)
      errors.push_back({"store.url", "is required with store.backend = \"postgres\""});
    else if (has_password(*s.store.url))
      errors.push_back({"store.url", "must not hold the password: put it in store.password_file"});
    if (s.store.lease_seconds < 3)
      errors.push_back({"store.lease_seconds", "must be at least 3 (heartbeats come every third of it)"});
    check_readable(s.store.password_file, "store.password_file", errors);
  }
}

// results.dir and uploads.dir: absolute when given; else beside the SQLite
// database, else under STATE_DIRECTORY.
void default_dir(std::optional<std::string>& dir, const char* key, const char* leaf, const settings& s,
                 const std::string& state_dir, std::vector<error>& errors)
{
  if (dir && !fs::path(*dir).is_absolute())
    errors.push_back({key, "must be an absolute path"});
  if (!dir && !s.store.path.empty() && s.store.backend == store_backend::sqlite)
    dir = (fs::absolute(s.store.path).parent_path() / leaf).string();
  if (!dir && !state_dir.empty())
    dir = state_dir + "/" + leaf;
}

void check_upload_roots(settings& s, std::vector<error>& errors)
{
  for (auto& root : s.uploads.roots) {
    std::error_code ec;
    if (!fs::path(root).is_absolute()) {
      errors.push_back({"uploads.roots", root + " is not an absolute path to a directory"});
      continue;
    }
    if (auto problem = unopenable_directory(root); !problem.empty()) {
      errors.push_back({"uploads.roots", problem});
      continue;
    }
    root = fs::canonical(root, ec).string(); // compare resolved paths later
  }
}

// Elsewhere an unusable uploads.dir only turns browser uploads off; under
// /home it is most likely the sandbox, which the operator must hear about.
void check_protected_home(const settings& s, std::vector<error>& errors)
{
  for (const auto& [key, dir] : {std::pair{"uploads.dir", s.uploads.dir},
                                 std::pair{"results.dir", s.results.mirror ? s.results.dir : std::nullopt}})
    if (dir && fs::path(*dir).is_absolute() && under_protected_home(*dir))
      if (auto problem = unwritable_directory(*dir); !problem.empty())
        errors.push_back({key, problem});
}

void check_allowed_hosts(const settings& s, std::vector<error>& errors)
{
  for (const auto& name : s.api.allowed_hosts)
    if (!http::host_of(name) || name.find(':') != std::string::npos)
      errors.push_back({"api.allowed_hosts", name + " is not a host name (no scheme, no port)"});
}

void check_upstream(const settings& s, std::vector<error>& errors)
{
  if (s.upstream.test_origin) {
    const auto o = http::origin_of(*s.upstream.test_origin);
    if (!o || !o->tls())
      errors.push_back({"upstream.test_origin", "must be an https:// origin"});
    if (!s.upstream.ca_file)
      errors.push_back({"upstream.test_origin", "needs upstream.ca_file: TLS is always verified"});
  }
  check_readable(s.upstream.ca_file, "upstream.ca_file", errors);
}

void check_limits(const settings& s, std::vector<error>& errors)
{
  if (s.limits.max_header < 1024 || s.limits.max_header > 1024 * 1024)
    errors.push_back({"limits.max_header", "must be between 1 KiB and 1 MiB"});
  if (s.limits.max_body < 1024)
    errors.push_back({"limits.max_body", "must be at least 1 KiB"});
  if (s.limits.max_connections < 2)
    errors.push_back({"limits.max_connections", "must be at least 2"});
  if (s.limits.max_streams < 1 || s.limits.max_streams >= s.limits.max_connections)
    errors.push_back({"limits.max_streams", "must be at least 1 and below limits.max_connections (plain requests need room)"});
  if (s.limits.max_body_memory < s.limits.max_body)
    errors.push_back({"limits.max_body_memory", "must be at least limits.max_body (one request must fit)"});
}

void check_callbacks(const settings& s, std::vector<error>& errors)
{
  if (s.callbacks.public_base_url) {
    // WeShop calls it over the internet, so https; plain http to loopback only
    // in test mode (a simulator calling back on this machine).
    const auto o = http::origin_of(*s.callbacks.public_base_url);
    const bool test_loopback = o && s.upstream.test_origin && (o->host == "127.0.0.1" || o->host == "localhost");
    if (!o || !(o->tls() || test_loopback))
      errors.push_back({"callbacks.public_base_url", "must be an https:// URL (WeShop calls it over the internet)"});
    if (!s.callbacks.listen)
      errors.push_back({"callbacks.listen", "is required when callbacks.public_base_url is set"});
  }
}

void check_outbound_urls(const settings& s, std::vector<error>& errors)
{
  if (s.notify.url && !http::origin_of(*s.notify.url))
    errors.push_back({"notify.url", "must be an http(s) URL"});
  if (s.notify.url && !s.notify.secret_file)
    errors.push_back({"notify.secret_file", "is required when notify.url is set: notifications are signed"});
  check_readable(s.notify.secret_file, "notify.secret_file", errors);
  if (s.budget.alert_url && !http::origin_of(*s.budget.alert_url))
    errors.push_back({"budget.alert_url", "must be an http(s) URL"});
}

void check_addresses(const settings& s, std::vector<error>& errors)
{
  for (const auto& proxy : s.callbacks.trusted_proxies) {
    unsigned char addr[16];
    if (inet_pton(AF_INET, proxy.c_str(), addr) != 1 && inet_pton(AF_INET6, proxy.c_str(), addr) != 1)
      errors.push_back({"callbacks.trusted_proxies", proxy + " is not an IP address"});
  }
  if (s.callbacks.listen && s.callbacks.listen == s.api.listen)
    errors.push_back({"callbacks.listen", "must differ from api.listen: only callbacks may face the proxy"});
}

} // namespace

// The order of the checks is the order of their errors (tests and operators read them).
void check(settings& s, const std::map<std::string, std::string>& env, std::vector<error>& errors)
{
  std::string state_dir;
  if (const auto it = env.find("STATE_DIRECTORY"); it != env.end() && !it->second.empty())
    state_dir = it->second.substr(0, it->second.find(':'));
  check_store(s, state_dir, errors);
  default_dir(s.results.dir, "results.dir", "results", s, state_dir, errors);
  default_dir(s.uploads.dir, "uploads.dir", "uploads", s, state_dir, errors);
  check_allowed_hosts(s, errors);
  // No place for copies (postgres outside systemd, no results.dir): the
  // default cannot be kept, and several hosts need a dir they all see anyway.
  if (s.results.mirror && !s.results.dir)
    s.results.mirror = false;
  check_upstream(s, errors);
  check_readable(s.api.token_file, "api.token_file", errors);
  check_upload_roots(s, errors);
  check_protected_home(s, errors);
  check_limits(s, errors);
  check_callbacks(s, errors);
  check_outbound_urls(s, errors);
  if (s.engine.poll_cap_ms < s.engine.poll_initial_ms)
    errors.push_back({"engine.poll_cap_ms", "must not be below engine.poll_initial_ms"});
  check_addresses(s, errors);
}

} // namespace weshopd::config::detail
