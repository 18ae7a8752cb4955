#pragma once
// What a batch's ZIP holds (GET /v1/batches/{id}/archive): its items read
// from the store page by page, in index order, and for each result that has
// a copy (results.mirror) the copy's name below the mirror root and its name
// in the ZIP (archive_names.hpp: after the item's name). Results without a
// copy (not mirrored, failed, or expired and forgotten) are counted, not named.
// Blocking store reads: call it off the event loop (async_jobs::on_pool).
// Thread-safe (the store is).

#include "mirror/batch_archive.hpp"
#include "store/job_store.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace weshopd::mirror {

struct batch_copies {
  std::vector<archive_entry> entries; // in item order, then result order
  std::size_t uncopied = 0;           // results of the batch's items with no copy to put in
};

// `root`: the mirror directory (results.dir). A store failure is its error.
result<batch_copies> plan_batch_copies(store::job_store& store, const std::string& batch_id, const std::string& root,
                                       std::size_t page = 500);

} // namespace weshopd::mirror
