#pragma once
// Rendered views of jobs (the API's JSON for GET /v1/jobs/{id}), kept in
// memory so a status read costs no SQL and no JSON. The job store drops a
// job's view after each durable write to it; a view rendered from a read that
// a write may have overtaken is not kept (the epoch check in put), so a view
// is never older than the database. Bounded by bytes; thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace weshopd::store {

class view_cache {
public:
  explicit view_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Take before reading the job; hand it to put() with the rendered view.
  std::uint64_t epoch() const;
  std::optional<std::string> get(std::string_view id) const;
  // Kept only when no write landed since `read_epoch`.
  void put(std::string_view id, std::string view, std::uint64_t read_epoch);
  // After a durable write to the job.
  void invalidate(std::string_view id);

  std::size_t size() const;

private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static std::size_t cost(std::string_view id, std::string_view view) { return id.size() + view.size() + 96; }

  mutable std::mutex mutex_;
  std::uint64_t epoch_ = 0;
  std::unordered_map<std::string, std::string, string_hash, std::equal_to<>> views_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
};

} // namespace weshopd::store
