#include "http/multipart.hpp"

#include "http/client.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace weshopd::http {

namespace {

std::string random_boundary()
{
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "weshopd-";
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

} // namespace

std::string sanitize_filename(std::string_view name)
{
  std::string out;
  for (char c : name)
    out += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
  return out.empty() ? "upload" : out;
}

multipart_form make_multipart(const multipart_file& file)
{
  const auto boundary = random_boundary();
  multipart_form form;
  form.content_type = "multipart/form-data; boundary=" + boundary;
  form.body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + sanitize_filename(file.field) +
              "\"; filename=\"" + sanitize_filename(file.filename) + "\"\r\nContent-Type: " + file.content_type +
              "\r\n\r\n";
  form.body.reserve(form.body.size() + file.content.size() + boundary.size() + 8);
  form.body += file.content;
  form.body += "\r\n--" + boundary + "--\r\n";
  return form;
}

} // namespace weshopd::http
