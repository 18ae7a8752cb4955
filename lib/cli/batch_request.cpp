#include "cli/batch_request.hpp"

#include "cli/submit_request.hpp"
#include "common/canonical_json.hpp"
#include "common/image_type.hpp"
#include "common/sha256.hpp"

#include <algorithm>
#include <array>
#include <fstream>

namespace weshopd::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

bool image_extension(const fs::path& p)
{
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp";
}

// The extension says image; the first bytes must agree (a renamed text file is not one).
bool image_bytes(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  std::array<char, 16> head{};
  in.read(head.data(), head.size());
  return sniff_image_type(std::string_view(head.data(), static_cast<std::size_t>(in.gcount()))).has_value();
}

// The file's SHA-256, read in pieces; nullopt when it cannot be read.
std::optional<std::string> file_sha256(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return std::nullopt;
  sha256_stream digest;
  std::array<char, 64 * 1024> chunk{};
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0)
    digest.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
  if (in.bad())
    return std::nullopt;
  return digest.hex();
}

// Every named file, or the images of every named directory, as absolute paths.
std::variant<std::vector<fs::path>, std::string> item_files(const std::vector<std::string>& paths)
{
  std::vector<fs::path> files;
  for (const auto& text : paths) {
    std::error_code ec;
    const auto path = fs::absolute(text, ec).lexically_normal();
    if (fs::is_directory(path, ec)) {
      const auto found = images_in(path);
      if (found.empty())
        return "no images (png, jpg, jpeg, webp) in " + text;
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      return "no such file or directory: " + text;
    }
  }
  if (files.empty())
    return "name the images: files or a directory";
  return files;
}

} // namespace

std::vector<fs::path> images_in(const fs::path& dir)
{
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    if (entry.is_regular_file(type_ec) && image_extension(entry.path()) && image_bytes(entry.path()))
      out.push_back(fs::absolute(entry.path(), type_ec).lexically_normal());
  }
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
  return out;
}

std::string batch_key(const std::string& agent, const std::string& version, const json::object& params,
                      const std::vector<std::string>& file_sha256s)
{
  // Each part on its own line: no part can contain a newline (canonical JSON escapes it).
  std::string text = "weshopctl batch v1\n" + canonical_json(json::value(agent)) + "\n" +
                     canonical_json(json::value(version)) + "\n" + canonical_json(params) + "\n";
  for (const auto& sha : file_sha256s)
    text += sha + "\n";
  return "batch-" + sha256_hex(text);
}

std::variant<batch_request, std::string> batch_submit_request(const batch_args& args)
{
  auto params = params_object(args.params);
  if (params.index() == 1)
    return std::get<1>(params);
  auto files = item_files(args.paths);
  if (files.index() == 1)
    return std::get<1>(files);
  json::array items;
  std::vector<std::string> digests;
  for (const auto& file : std::get<0>(files)) {
    auto sha = file_sha256(file);
    if (!sha)
      return "cannot read " + file.string();
    digests.push_back(std::move(*sha));
    items.push_back(json::object{{"input", json::object{{"originalImage", file.string()}}}});
  }
  batch_request out;
  out.items = items.size();
  out.idempotency_key = batch_key(args.agent, args.version, std::get<0>(params), digests);
  out.body = json::object{{"agent", json::object{{"name", args.agent}, {"version", args.version}}},
                          {"params", std::move(std::get<0>(params))},
                          {"items", std::move(items)}};
  return out;
}

} // namespace weshopd::cli
