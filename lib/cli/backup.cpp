// weshopctl backup FILE: weshopd makes a consistent copy of its database
// (POST /v1/admin/backup) and this writes it: to FILE.partial (created
// O_EXCL), checked against the SHA-256 and length weshopd announced,
// fsynced, renamed to FILE and the folder fsynced, so FILE is either a whole,
// verified copy or absent. An existing FILE is kept unless --force. Any
// failure removes FILE.partial. Prints "<sha256>  FILE" (sha256sum's format).

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "common/sha256.hpp"

#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

namespace weshopd::cli {

namespace fs = std::filesystem;

namespace {

// FILE.partial while it is written: removed unless kept.
struct partial_file {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~partial_file()
  {
    if (fd >= 0)
      ::close(fd);
    if (!keep)
      ::unlink(path.c_str());
  }
};

bool write_all(int fd, std::string_view bytes)
{
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int fail(output io, const std::string& why)
{
  io.err << "weshopctl: backup failed: " << why << "\n";
  return job_failed;
}

// Makes the renamed file's name durable.
void sync_folder(const fs::path& file)
{
  const auto dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

int backup(local_client& api, const backup_options& o, output io)
{
  std::error_code ec;
  if (!o.force && fs::symlink_status(o.file, ec).type() != fs::file_type::not_found) {
    io.err << "weshopctl: " << o.file << " exists (--force replaces it)\n";
    return usage;
  }
  const int fd = ::open((o.file + ".partial").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    io.err << "weshopctl: cannot create " << o.file << ".partial: " << std::strerror(errno)
           << (errno == EEXIST ? " (another backup is writing it, or one was interrupted: remove it)" : "") << "\n";
    return usage;
  }
  partial_file partial{o.file + ".partial", fd};
  sha256_stream hash;
  std::uint64_t received = 0;
  bool write_failed = false;
  api.set_timeout(std::chrono::minutes(30)); // the copy is made before the answer starts
  const auto r = api.stream_call("POST", "/v1/admin/backup", [&](std::string_view bytes) {
    hash.update(bytes);
    received += bytes.size();
    write_failed = !write_all(partial.fd, bytes);
    return !write_failed;
  });
  if (r.status != 200)
    return report_error(r, io);
  if (write_failed)
    return fail(io, "writing " + partial.path + ": " + std::strerror(errno));
  const auto announced = r.header("X-Weshopd-Sha256");
  if (r.header("Content-Length") != std::to_string(received))
    return fail(io, "the copy arrived incomplete (" + std::to_string(received) + " of " + r.header("Content-Length") +
                      " bytes)");
  const auto sha256 = hash.hex();
  if (announced.empty() || announced != sha256)
    return fail(io, "the copy's SHA-256 " + sha256 + " differs from weshopd's " + announced);
  if (::fsync(partial.fd) != 0 || ::close(std::exchange(partial.fd, -1)) != 0)
    return fail(io, "fsync " + partial.path + ": " + std::strerror(errno));
  if (::rename(partial.path.c_str(), o.file.c_str()) != 0)
    return fail(io, "rename to " + o.file + ": " + std::strerror(errno));
  partial.keep = true;
  sync_folder(o.file);
  if (io.json)
    io.out << boost::json::serialize(boost::json::object{{"file", o.file}, {"sha256", sha256}, {"bytes", received}})
           << "\n";
  else
    io.out << sha256 << "  " << o.file << "\n";
  io.err << "weshopctl: " << received << " bytes written to " << o.file << "\n";
  return done;
}

} // namespace weshopd::cli
