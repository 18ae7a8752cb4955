// weshopctl download ID: a succeeded job's result images into a folder, as
// <id>-<n>.<png|jpg|webp>. A result weshopd mirrored (localUrl) comes from
// weshopd itself; otherwise from its WeShop URL over verified HTTPS (never
// with any credential), to public addresses only unless --outbound-allow /
// WESHOPD_OUTBOUND_ALLOW names the network (as the daemon's outbound.allow).
// Only image bytes are kept; each file is written whole or not at all.

#include "cli/commands.hpp"

#include "cli/api_reply.hpp"
#include "common/image_type.hpp"
#include "http/client.hpp"
#include "http/failure_class.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <ostream>

namespace weshopd::cli {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct fetched {
  std::string bytes;
  std::string problem; // empty when fetched
};

fetched fetch_remote(const std::string& url, const download_options& o)
{
  asio::io_context io;
  http::client_options options;
  options.ca_file = o.ca_file;
  options.addresses = o.outbound;
  options.max_body = 64 * 1024 * 1024;
  options.user_agent = "weshopctl/0.1";
  http::client client(io.get_executor(), options);
  fetched out;
  http::request req;
  req.url = url;
  asio::co_spawn(io, client.fetch(std::move(req)), [&](std::exception_ptr e, http::fetch_result r) {
    if (e)
      out.problem = "failed";
    else if (r.failure == http::failure_kind::address_not_allowed)
      out.problem = "address_not_allowed (the host is not public; --outbound-allow CIDR allows a network)";
    else if (!r || r.resp.status != 200)
      out.problem = http::failure_class(r);
    else
      out.bytes = std::move(r.resp.body);
  });
  io.run();
  return out;
}

std::string_view extension_of(std::string_view type)
{
  return type == "image/png" ? ".png" : type == "image/jpeg" ? ".jpg" : ".webp";
}

bool write_whole(const std::filesystem::path& path, const std::string& bytes)
{
  auto partial = path;
  partial += ".part";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush())
      return false;
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  return !ec;
}

} // namespace

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
    const auto& result = item.as_object();
    fetched got;
    if (const auto* local = result.if_contains("localUrl"); local && local->is_string()) {
      const auto answer = api.call("GET", std::string(local->get_string()));
      if (answer.status == 200)
        got.bytes = answer.body;
      else
        got.problem = "weshopd answered HTTP " + std::to_string(answer.status);
    } else if (const auto* image = result.if_contains("image"); image && image->is_string()) {
      got = fetch_remote(std::string(image->get_string()), o);
    } else {
      got.problem = "no image URL";
    }
    const auto type = got.problem.empty() ? sniff_image_type(got.bytes) : std::nullopt;
    if (got.problem.empty() && !type)
      got.problem = "the answer is not a PNG, JPEG or WebP image";
    const auto path = std::filesystem::path(o.dir) / (o.id + "-" + std::to_string(index) + std::string(type ? extension_of(*type) : ""));
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
