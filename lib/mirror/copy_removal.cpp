#include "mirror/copy_removal.hpp"

#include "common/log.hpp"
#include "files/open_beneath.hpp"

#include <iterator>

#include <fcntl.h>
#include <unistd.h>

namespace weshopd::mirror {

namespace fs = std::filesystem;

namespace {

bool refuse(const fs::path& file, std::string_view why)
{
  log(log_level::warning, "retention_copy_refused", {{"path", file.string()}, {"detail", std::string(why)}});
  return false;
}

} // namespace

fs::path name_below(const fs::path& root, const fs::path& file)
{
  std::error_code ec;
  const auto absolute_root = fs::absolute(root, ec).lexically_normal();
  const auto absolute_file = fs::absolute(file, ec).lexically_normal();
  if (root.empty() || ec)
    return {};
  const auto rel = absolute_file.lexically_relative(absolute_root);
  if (rel.empty() || rel.is_absolute() || *rel.begin() == ".." || *rel.begin() == "." || !rel.has_parent_path())
    return {};
  return rel;
}

bool remove_copy(const fs::path& root, const fs::path& file)
{
  const auto rel = name_below(root, file);
  if (rel.empty())
    return refuse(file, "not inside the mirror directory: left alone");
  const auto root_dir = files::open_directory(root.c_str());
  if (!root_dir.fd)
    return false;
  // The job's folder, opened beneath the root: a link in it, or out of it, is refused here.
  const auto folder = files::open_beneath(root_dir.fd.get(), rel.parent_path().native(), O_PATH | O_DIRECTORY);
  if (!folder.fd)
    return folder.error == ENOENT ? false : refuse(file, files::open_problem(folder.error));
  // unlinkat never follows the last name: a link there is removed, not its target.
  const bool removed = ::unlinkat(folder.fd.get(), rel.filename().c_str(), 0) == 0;
  if (std::distance(rel.parent_path().begin(), rel.parent_path().end()) == 1) // a job's own folder, once empty
    ::unlinkat(root_dir.fd.get(), rel.parent_path().c_str(), AT_REMOVEDIR); // (AT_REMOVEDIR never follows a link)
  return removed;
}

} // namespace weshopd::mirror
