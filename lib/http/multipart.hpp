#pragma once
// A multipart/form-data body of one file part (RFC 7578), built in memory:
// the file is already read (files/ reads local images once, from a handle),
// so it goes out like any other body. The boundary is random, the field and
// file names cannot break out of their quotes.

#include <string>
#include <string_view>

namespace weshopd::http {

struct multipart_file;

struct multipart_form {
  std::string content_type; // multipart/form-data; boundary=...
  std::string body;
};

multipart_form make_multipart(const multipart_file& file);

// A name as it may stand inside a quoted Content-Disposition parameter.
std::string sanitize_filename(std::string_view name);

} // namespace weshopd::http
