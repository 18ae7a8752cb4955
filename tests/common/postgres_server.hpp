#pragma once
// A real PostgreSQL server for one test: initdb in a temp folder and pg_ctl
// on a unix socket in it (no TCP port, nothing assumed running), stopped and
// removed afterwards. As root, the server runs as the `postgres` user (it
// refuses root). Binaries: Debian's /usr/lib/postgresql/<version>/bin.

#include "common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace weshopd::test {

class postgres_server {
public:
  postgres_server()
  {
    namespace fs = std::filesystem;
    for (const auto& version : fs::directory_iterator("/usr/lib/postgresql"))
      if (fs::exists(version.path() / "bin/initdb") && version.path().string() > bin_)
        bin_ = (version.path() / "bin").string();
    if (bin_.empty())
      throw std::runtime_error("no PostgreSQL server binaries under /usr/lib/postgresql (deploy/install-deps.sh installs them)");
    fs::permissions(dir_.path(), fs::perms::all);
    if (::geteuid() == 0)
      as_ = "runuser -u postgres -- ";
    run(as_ + bin_ + "/initdb -D " + data() + " -A trust -U weshopd -E UTF8 --no-sync > " + dir_.file("initdb.log") + " 2>&1");
    start();
  }
  postgres_server(const postgres_server&) = delete;
  ~postgres_server()
  {
    if (running_)
      std::system((as_ + bin_ + "/pg_ctl -D " + data() + " -m immediate -w stop > /dev/null 2>&1").c_str());
  }

  // libpq keyword form; the database `postgres` exists from initdb.
  std::string conninfo(const std::string& database = "postgres") const
  {
    return "host=" + dir_.path().string() + " port=5432 user=weshopd dbname=" + database;
  }
  void start()
  {
    run(as_ + bin_ + "/pg_ctl -D " + data() + " -l " + dir_.file("server.log") + " -w -o \"-k " + dir_.path().string() +
        " -p 5432 -c listen_addresses='' -c fsync=off\" start > /dev/null");
    running_ = true;
  }
  // mode: fast (a clean shutdown) or immediate (a crash, as far as clients can tell)
  void stop(const std::string& mode = "fast")
  {
    run(as_ + bin_ + "/pg_ctl -D " + data() + " -m " + mode + " -w stop > /dev/null");
    running_ = false;
  }
  std::string bin() const { return bin_; } // the server's and its clients' binaries (pg_dump, pg_restore)
  std::string log() const { return read(dir_.file("server.log")) + read(dir_.file("initdb.log")); }

private:
  std::string data() const { return dir_.file("data"); }
  void run(const std::string& command)
  {
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("failed: " + command + "\n" + log());
  }
  static std::string read(const std::string& path)
  {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  temp_dir dir_;
  std::string bin_;
  std::string as_; // "runuser -u postgres -- " when root
  bool running_ = false;
};

} // namespace weshopd::test
