#pragma once
// A routing table: method + path pattern -> handler. Patterns are literal
// segments and {name} captures ("/v1/jobs/{id}/cancel"); a capture matches
// one non-empty segment. A path no pattern matches is not_found; a path some
// pattern matches with another method is method_not_allowed with the methods
// that would do (for the Allow header). Pure; immutable once built.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weshopd::http {

template <class Handler>
class router {
public:
  router& add(std::string method, std::string pattern, Handler handler)
  {
    routes_.push_back({std::move(method), split(pattern), std::move(handler)});
    return *this;
  }

  struct match {
    const Handler* handler = nullptr;          // set when found
    std::map<std::string, std::string> params; // captures
    std::vector<std::string> allow;            // when the path exists for other methods
    bool path_known() const { return handler || !allow.empty(); }
  };

  match find(std::string_view method, std::string_view path) const
  {
    match m;
    const auto segments = split(path);
    for (const auto& r : routes_) {
      std::map<std::string, std::string> params;
      if (!matches(r.segments, segments, params))
        continue;
      if (r.method == method) {
        m.handler = &r.handler;
        m.params = std::move(params);
        m.allow.clear();
        return m;
      }
      m.allow.push_back(r.method);
    }
    return m;
  }

private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };

  static std::vector<std::string> split(std::string_view path)
  {
    std::vector<std::string> out;
    std::size_t start = path.starts_with('/') ? 1 : 0;
    while (start <= path.size()) {
      const auto slash = path.find('/', start);
      out.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      if (slash == std::string_view::npos)
        break;
      start = slash + 1;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                      std::map<std::string, std::string>& params)
  {
    if (pattern.size() != path.size())
      return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (path[i].empty())
          return false;
        params[p.substr(1, p.size() - 2)] = path[i];
      } else if (p != path[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<route> routes_;
};

} // namespace weshopd::http
