#include "config/secrets.hpp"

#include "notify/signature.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

namespace weshopd::config {
namespace {

std::string whole_file(const std::string& path)
{
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A secret file's text without its trailing newline and spaces.
std::string first_line_of(const std::string& path)
{
  auto text = whole_file(path);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  return text;
}

} // namespace

std::vector<api_token> parse_api_tokens(std::istream& in, std::string& problem)
{
  std::vector<api_token> tokens;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string first, second, role, extra;
    words >> first >> second >> role >> extra;
    if (first.empty() || first.starts_with('#'))
      continue;
    api_token t{second.empty() ? "default" : first, second.empty() ? first : second, role == "admin"};
    if ((!role.empty() && role != "admin") || !extra.empty() || t.secret.size() < 16) {
      problem = "each line must be a token of at least 16 characters, or a name and such a token";
      return {};
    }
    tokens.push_back(std::move(t));
  }
  if (tokens.empty())
    problem = "holds no token";
  return tokens;
}

secrets_result read_secrets(const settings& s)
{
  secrets_result out;
  if (s.api.token_file) {
    std::ifstream in(*s.api.token_file);
    out.values.api_tokens = parse_api_tokens(in, out.problem);
    if (!out.problem.empty()) {
      out.key = "api.token_file";
      return out;
    }
  }
  if (s.notify.secret_file) {
    out.values.notify_key = notify::signing_key(whole_file(*s.notify.secret_file));
    if (!out.values.notify_key) {
      out.key = "notify.secret_file";
      out.problem = "needs whsec_<base64> or at least 16 bytes of secret";
      return out;
    }
  }
  if (s.store.password_file)
    out.values.store_password = first_line_of(*s.store.password_file);
  return out;
}

} // namespace weshopd::config
