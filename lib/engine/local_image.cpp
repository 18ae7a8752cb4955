#include "engine/local_image.hpp"

#include "common/image_type.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

namespace weshopd::engine {

namespace fs = std::filesystem;

std::string input_copy_path(const std::string& dir, const std::string& sha256, std::string_view content_type)
{
  return (fs::path(dir) / (sha256 + std::string(image_extension(content_type)))).string();
}

void keep_input_copy(const local_image& image, const std::string& sha256, const std::string& dir)
{
  const auto target = input_copy_path(dir, sha256, image.content_type);
  std::error_code ec;
  if (image.path == target || fs::exists(target, ec))
    return;
  fs::create_hard_link(image.path, target, ec);
  if (ec) // another filesystem: a copy
    fs::copy_file(image.path, target, fs::copy_options::skip_existing, ec);
}

local_image_check check_local_image(const std::string& path, const std::vector<std::string>& roots,
                                    std::uint64_t max_size)
{
  if (roots.empty())
    return {{}, "local files are not accepted (uploads.roots is not set)"};
  std::error_code ec;
  const auto real = fs::canonical(path, ec);
  if (ec)
    return {{}, "no such file"};
  const auto inside = [&](const std::string& root) {
    const fs::path r(root);
    auto [root_end, real_it] = std::mismatch(r.begin(), r.end(), real.begin(), real.end());
    return root_end == r.end();
  };
  if (std::none_of(roots.begin(), roots.end(), inside))
    return {{}, "is outside uploads.roots"};
  if (!fs::is_regular_file(real, ec))
    return {{}, "is not a regular file"};
  const auto size = fs::file_size(real, ec);
  if (ec || size == 0)
    return {{}, "cannot be read"};
  if (size > max_size)
    return {{}, "is larger than " + std::to_string(max_size) + " bytes"};
  std::ifstream in(real, std::ios::binary);
  std::string head(16, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (!in && in.gcount() <= 0)
    return {{}, "cannot be read"};
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto type = sniff_image_type(head);
  if (!type)
    return {{}, "is not a PNG, JPEG or WebP image"};
  return {{real.string(), std::string(*type), size}, {}};
}

std::string file_sha256(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(64 * 1024);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

} // namespace weshopd::engine
