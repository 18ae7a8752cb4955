#include "files/upload_roots.hpp"

#include <fcntl.h>

#include <algorithm>

namespace weshopd::files {

namespace fs = std::filesystem;

upload_roots::upload_roots(const std::vector<std::string>& roots)
{
  for (const auto& r : roots) {
    auto dir = open_directory(r.c_str());
    if (!dir.fd) {
      unusable_.push_back(r);
      continue;
    }
    root entry{{fs::path(r).lexically_normal()}, std::move(dir.fd)};
    std::error_code ec;
    if (auto real = fs::canonical(r, ec); !ec && real != entry.names.front())
      entry.names.push_back(real); // a root that is a link: its files may be named either way
    roots_.push_back(std::move(entry));
  }
}

namespace {

// The part of `path` below `root`, or nullopt when it is not below it.
std::optional<fs::path> below(const fs::path& path, const fs::path& root)
{
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  // "/srv/images/" normalises with an empty last element: it matches anything.
  if (r != root.end() && !(std::next(r) == root.end() && r->empty()))
    return std::nullopt;
  fs::path rest;
  for (; p != path.end(); ++p)
    rest /= *p;
  if (rest.empty())
    return std::nullopt;
  return rest;
}

} // namespace

image_read upload_roots::read(std::string_view absolute_path, std::uint64_t max_size) const
{
  if (roots_.empty())
    return {std::nullopt, "local files are not accepted (uploads.roots is not set)"};
  const fs::path path(absolute_path);
  if (!path.is_absolute())
    return {std::nullopt, "must be an absolute path"};
  if (std::any_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".."; }))
    return {std::nullopt, "must not contain \"..\""};
  const auto normal = path.lexically_normal();
  for (const auto& r : roots_)
    for (const auto& name : r.names)
      if (const auto rest = below(normal, name)) {
        auto file = open_beneath(r.handle.get(), rest->string(), O_RDONLY);
        if (!file.fd)
          return {std::nullopt, std::string(open_problem(file.error))};
        return read_image(file.fd.get(), max_size);
      }
  return {std::nullopt, "is outside uploads.roots"};
}

} // namespace weshopd::files
