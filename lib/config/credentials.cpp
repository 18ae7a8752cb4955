#include "config/credentials.hpp"

#include "common/environment_scrub.hpp"

#include <boost/json/parse.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace weshopd::config {
namespace {

std::string trim(std::string s)
{
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.erase(0, 1);
  return s;
}

std::optional<std::string> read_whole(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string get(const std::map<std::string, std::string>& env, const std::string& name)
{
  const auto it = env.find(name);
  return it == env.end() ? std::string{} : it->second;
}

} // namespace

key_lookup find_api_key(const std::map<std::string, std::string>& env)
{
  if (auto k = trim(get(env, "WESHOP_API_KEY")); !k.empty())
    return {k, "environment (WESHOP_API_KEY)", {}};

  if (const auto dir = get(env, "CREDENTIALS_DIRECTORY"); !dir.empty())
    if (auto text = read_whole(dir + "/weshop_api_key"))
      if (auto k = trim(*text); !k.empty())
        return {k, "systemd credential weshop_api_key", {}};

  const auto home = get(env, "HOME");
  if (home.empty())
    return {std::nullopt, {}, "no WESHOP_API_KEY, no systemd credential, and no HOME for credentials.json"};
  const auto path = home + "/.config/weshop/credentials.json";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return {std::nullopt, {}, "no WESHOP_API_KEY, no systemd credential weshop_api_key, no " + path};
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    return {std::nullopt, {}, path + " may be read by group or others: chmod 600 it"};
  const auto text = read_whole(path);
  boost::system::error_code ec;
  const auto doc = text ? boost::json::parse(*text, ec) : boost::json::value{};
  const auto* obj = doc.if_object();
  const auto* key = obj ? obj->if_contains("api_key") : nullptr;
  if (ec || !key || !key->is_string() || trim(std::string(key->get_string())).empty())
    return {std::nullopt, {}, path + " must hold {\"api_key\": \"...\"}"};
  return {trim(std::string(key->get_string())), path, {}};
}

key_lookup take_api_key(std::map<std::string, std::string>& env)
{
  auto found = find_api_key(env);
  scrub_environment_variable("WESHOP_API_KEY");
  scrub_environment_variable(env, "WESHOP_API_KEY");
  return found;
}

} // namespace weshopd::config
