#pragma once
// A ZIP's entries read back with libzip (tests of the batch archive): each
// entry's name and the SHA-256 of its bytes.

#include "common/sha256.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <map>
#include <string>

namespace weshopd::test {

inline std::map<std::string, std::string> zip_entries(const std::string& bytes) // name -> sha256
{
  std::map<std::string, std::string> out;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive = source ? zip_open_from_source(source, ZIP_RDONLY, &error) : nullptr;
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&error);
  if (!archive) {
    zip_error_fini(&error);
    return out;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st);
    std::string data(st.size, '\0');
    zip_file_t* f = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    zip_fread(f, data.data(), st.size);
    zip_fclose(f);
    out[st.name] = sha256_hex(data);
  }
  zip_close(archive);
  zip_error_fini(&error);
  return out;
}


} // namespace weshopd::test
