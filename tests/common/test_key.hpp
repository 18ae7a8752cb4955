#pragma once
// The WeShop key of this test run: unique per process ("canary-…"), so that
// any test can search logs, databases and responses for it (see the Daemon
// fixture), and the sim counts it anywhere but the API's Authorization header.

#include <random>
#include <string>

namespace weshopd::test {

inline const std::string& test_api_key()
{
  static const std::string key = [] {
    std::random_device rd;
    return "canary-" + std::to_string(rd()) + "-" + std::to_string(rd()) + "-" + std::to_string(rd());
  }();
  return key;
}

} // namespace weshopd::test
