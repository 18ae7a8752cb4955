// weshopctl batch download ID --dir D: every item's results, named after the
// item as in the batch's ZIP (common/archive_names.hpp: shirt.png ->
// shirt-1.png, shirt-2.png). Each result is fetched to a hidden .part file
// first (its type, hence its extension, is known only from its bytes), then
// all are renamed to their names. Exit 1 when an item did not succeed or a
// result could not be saved; the rest is saved all the same.

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "cli/result_fetch.hpp"
#include "common/archive_names.hpp"
#include "common/image_type.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

struct item_view {
  std::int64_t index = 0;
  std::string name;
  std::string state;
  json::array results;
};

std::string encoded(std::string_view text)
{
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// Every item of the batch in item order, or the error's exit code.
std::variant<std::vector<item_view>, int> batch_items(local_client& api, const std::string& id, output io)
{
  std::vector<item_view> items;
  std::string cursor;
  for (;;) {
    const auto r = api.call("GET", "/v1/jobs?limit=200&batch=" + encoded(id) + (cursor.empty() ? "" : "&cursor=" + encoded(cursor)));
    if (r.status != 200)
      return report_error(r, io);
    const auto page = body_object(r);
    for (const auto& v : page.at("jobs").as_array()) {
      const auto& job = v.as_object();
      const auto* index = job.if_contains("batchIndex");
      items.push_back({index && index->is_int64() ? index->get_int64() : 0, text_of(job.at("itemName")),
                       text_of(job.at("state")),
                       job.at("results").is_array() ? job.at("results").get_array() : json::array{}});
    }
    const auto& next = page.at("next_cursor");
    if (next.is_null())
      break;
    cursor = std::string(next.as_string());
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return items;
}

// One saved result, waiting for its name.
struct pending_file {
  fs::path part;       // where its bytes are now; empty when it could not be saved
  std::string extension;
};

std::vector<pending_file> fetch_item(local_client& api, const item_view& item, const download_options& o,
                                     output io, int& code)
{
  std::vector<pending_file> files;
  for (std::size_t k = 0; k < item.results.size(); ++k) {
    auto got = fetch_result(api, item.results[k].as_object(), {o.ca_file, o.outbound});
    const auto part = fs::path(o.dir) / ("." + o.id + "-" + std::to_string(item.index) + "-" + std::to_string(k));
    if (got.problem.empty() && !write_whole(part, got.bytes))
      got.problem = "cannot write in " + o.dir;
    if (!got.problem.empty()) {
      io.err << "weshopctl: item " << item.index << " (" << item.name << ") result " << k + 1 << ": " << got.problem << "\n";
      code = job_failed;
      files.push_back({});
      continue;
    }
    files.push_back({part, std::string(image_extension(got.type))});
  }
  return files;
}

} // namespace

int batch_download(local_client& api, const download_options& o, output io)
{
  const auto r = api.call("GET", batch_path(o.id));
  if (r.status != 200)
    return report_error(r, io);
  auto listed = batch_items(api, o.id, io);
  if (listed.index() == 1)
    return std::get<1>(listed);
  const auto& items = std::get<0>(listed);
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  int code = done;
  std::vector<std::vector<pending_file>> saved;
  std::vector<archive_item> named;
  for (const auto& item : items) {
    if (item.state != "succeeded") {
      io.err << "weshopctl: item " << item.index << " (" << item.name << ") is " << item.state << ": no results\n";
      code = job_failed;
    }
    saved.push_back(item.state == "succeeded" ? fetch_item(api, item, o, io, code) : std::vector<pending_file>{});
    named.push_back({item.name, {}});
    for (const auto& f : saved.back())
      named.back().extensions.push_back(f.extension);
  }
  const auto names = archive_names(named);
  for (std::size_t i = 0; i < saved.size(); ++i)
    for (std::size_t k = 0; k < saved[i].size(); ++k) {
      if (saved[i][k].part.empty())
        continue;
      const auto path = fs::path(o.dir) / names[i][k];
      fs::rename(saved[i][k].part, path, ec);
      if (ec) {
        io.err << "weshopctl: cannot write " << path.string() << ": " << ec.message() << "\n";
        code = job_failed;
        continue;
      }
      io.out << path.string() << "\n";
    }
  return code;
}

} // namespace weshopd::cli
