#pragma once
// A fresh directory under $TMPDIR for one test, removed with everything in it.

#include <filesystem>
#include <random>
#include <string>

namespace weshopd::test {

class temp_dir {
public:
  temp_dir()
  {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("weshopd-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  ~temp_dir()
  {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

} // namespace weshopd::test
