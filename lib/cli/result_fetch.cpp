#include "cli/result_fetch.hpp"

#include "common/image_type.hpp"
#include "http/client.hpp"
#include "http/failure_class.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <fstream>

namespace weshopd::cli {

namespace asio = boost::asio;

namespace {

fetched_image fetch_remote(const std::string& url, const result_source& from)
{
  asio::io_context io;
  http::client_options options;
  options.ca_file = from.ca_file;
  options.addresses = from.outbound;
  options.max_body = 64 * 1024 * 1024;
  options.user_agent = "weshopctl/0.1";
  http::client client(io.get_executor(), options);
  fetched_image out;
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

} // namespace

fetched_image fetch_result(local_client& api, const boost::json::object& result, const result_source& from)
{
  fetched_image got;
  if (const auto* local = result.if_contains("localUrl"); local && local->is_string()) {
    auto answer = api.call("GET", std::string(local->get_string()));
    if (answer.status == 200)
      got.bytes = std::move(answer.body);
    else
      got.problem = "weshopd answered HTTP " + std::to_string(answer.status);
  } else if (const auto* image = result.if_contains("image"); image && image->is_string()) {
    got = fetch_remote(std::string(image->get_string()), from);
  } else {
    got.problem = "no image URL";
  }
  if (!got.problem.empty())
    return got;
  if (const auto type = sniff_image_type(got.bytes))
    got.type = *type;
  else
    got.problem = "the answer is not a PNG, JPEG or WebP image";
  return got;
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

} // namespace weshopd::cli
