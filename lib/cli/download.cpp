// weshopctl download ID: a succeeded job's result images into a folder, as
// <id>-<n>.<png|jpg|webp>. A result weshopd mirrored (localUrl) comes from
// weshopd itself; otherwise from its WeShop URL over verified HTTPS (never
// with any credential), to public addresses only unless --outbound-allow /
// WESHOPD_OUTBOUND_ALLOW names the network (as the daemon's outbound.allow).
// Only image bytes are kept; each file is written whole or not at all.

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "cli/result_fetch.hpp"
#include "common/image_type.hpp"

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;

int download(local_client& api, const download_options& o, output io)
{
  const auto r = api.call("GET", job_path(o.id));
  if (r.status != 200)
    return report_error(r, io);
  const auto job = body_object(r);
  if (job.at("state").as_string() != "succeeded") {
    io.err << "weshopctl: job " << o.id << " is " << json::serialize(job.at("state")) << ": only a succeeded job has results\n";
    return job_failed;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  int code = done;
  std::size_t n = 0;
  for (const auto& item : job.at("results").as_array()) {
    const auto index = n++;
    auto got = fetch_result(api, item.as_object(), {o.ca_file, o.outbound});
    const auto path = std::filesystem::path(o.dir) / (o.id + "-" + std::to_string(index) + std::string(image_extension(got.type)));
    if (got.problem.empty() && !write_whole(path, got.bytes))
      got.problem = "cannot write " + path.string();
    if (!got.problem.empty()) {
      io.err << "weshopctl: result " << index << ": " << got.problem << "\n";
      code = job_failed;
      continue;
    }
    io.out << path.string() << "\n";
  }
  return code;
}

} // namespace weshopd::cli
