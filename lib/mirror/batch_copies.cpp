#include "mirror/batch_copies.hpp"

#include "mirror/copy_removal.hpp"

#include <boost/json/object.hpp>

namespace weshopd::mirror {

namespace {

struct copy {
  std::string path;      // below the root: "<job id>/<n>.png"
  std::string extension; // ".png"
};

// The copies of one item's results, in result order; `uncopied` counts the rest.
result<std::vector<copy>> copies_of(store::job_store& store, const job& item, const std::string& root,
                                    std::size_t& uncopied)
{
  std::vector<copy> out;
  for (std::size_t n = 0; n < item.results.size(); ++n) {
    const auto* r = item.results[n].if_object();
    if (!r || !r->contains("localUrl")) { // no copy recorded: nothing to look up
      ++uncopied;
      continue;
    }
    const auto file = store.find_result_file(item.id, static_cast<int>(n));
    if (!file)
      return file.error();
    const auto below = *file ? name_below(root, (*file)->path) : std::filesystem::path();
    if (below.empty()) {
      ++uncopied;
      continue;
    }
    out.push_back({below.string(), below.extension().string()});
  }
  return out;
}

} // namespace

result<batch_copies> plan_batch_copies(store::job_store& store, const std::string& batch_id, const std::string& root,
                                       std::size_t page)
{
  batch_copies plan;
  std::vector<archive_item> items;
  std::vector<std::vector<std::string>> paths; // per item, its copies' paths
  for (std::int64_t from = 0;;) {
    auto jobs = store.batch_items(batch_id, from, page);
    if (!jobs)
      return jobs.error();
    for (const auto& item : *jobs) {
      auto copies = copies_of(store, item, root, plan.uncopied);
      if (!copies)
        return copies.error();
      archive_item a{item.item_name.value_or(""), {}};
      auto& item_paths = paths.emplace_back();
      for (auto& c : *copies) {
        a.extensions.push_back(std::move(c.extension));
        item_paths.push_back(std::move(c.path));
      }
      items.push_back(std::move(a));
      from = item.batch_index + 1;
    }
    if (jobs->size() < page)
      break;
  }
  const auto names = archive_names(items);
  for (std::size_t i = 0; i < items.size(); ++i)
    for (std::size_t k = 0; k < paths[i].size(); ++k)
      plan.entries.push_back({names[i][k], paths[i][k]});
  return plan;
}

} // namespace weshopd::mirror
