#include "http/forwarded.hpp"

#include <algorithm>

namespace weshopd::http {
namespace {

std::string_view trim(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_list(std::string_view s)
{
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos)
      break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// The node of one Forwarded element ("for=192.0.2.1;proto=https"), unquoted,
// IPv6 brackets and ports removed.
std::string forwarded_for(std::string_view element)
{
  while (!element.empty()) {
    const auto semi = element.find(';');
    auto pair = trim(element.substr(0, semi));
    if (pair.size() > 4 && (pair.substr(0, 4) == "for=" || pair.substr(0, 4) == "For=" || pair.substr(0, 4) == "FOR=")) {
      auto node = pair.substr(4);
      if (node.size() >= 2 && node.front() == '"' && node.back() == '"')
        node = node.substr(1, node.size() - 2);
      if (node.starts_with('[')) // "[2001:db8::1]:4711"
        return std::string(node.substr(1, node.find(']') - 1));
      if (std::count(node.begin(), node.end(), ':') == 1) // "192.0.2.1:4711"
        node = node.substr(0, node.find(':'));
      return std::string(node);
    }
    if (semi == std::string_view::npos)
      break;
    element.remove_prefix(semi + 1);
  }
  return {};
}

} // namespace

std::string client_address(const incoming& req, const std::vector<std::string>& trusted_proxies)
{
  const auto trusted = [&](const std::string& a) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), a) != trusted_proxies.end();
  };
  if (!trusted(req.remote))
    return req.remote;

  std::vector<std::string> chain; // client first, nearest proxy last
  if (const auto forwarded = req.header_value("Forwarded"); !forwarded.empty())
    for (const auto& element : split_list(forwarded))
      chain.push_back(forwarded_for(element));
  else
    chain = split_list(req.header_value("X-Forwarded-For"));

  std::string client = req.remote;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->empty())
      break; // unreadable: stop believing here
    client = *it;
    if (!trusted(client))
      break;
  }
  return client;
}

} // namespace weshopd::http
