#include "common/sim_process.hpp"

#include "common/run_sync.hpp"
#include "common/test_key.hpp"
#include "http/client.hpp"
#include "test_pki.hpp"

#include <algorithm>
#include <stdexcept>

namespace weshopd::test {

namespace json = boost::json;

sim_process::sim_process(const std::string& cert, const std::string& key, const std::string& ca,
                         const std::vector<std::string>& extra)
  : process_([&] {
      std::vector<std::string> argv{WESHOP_SIM_BINARY, "--exit-with-parent", "--cert", cert, "--key", key,
                                    "--ca-file", ca};
      if (std::find(extra.begin(), extra.end(), "--api-key") == extra.end())
        argv.insert(argv.end(), {"--api-key", test_api_key()});
      argv.insert(argv.end(), extra.begin(), extra.end());
      return argv;
    }())
{
  const auto line = process_.read_line(std::chrono::seconds(10));
  if (!line)
    throw std::runtime_error("weshop-sim printed no endpoints");
  const auto v = json::parse(*line).as_object();
  endpoints_ = {json::value_to<std::string>(v.at("api")), json::value_to<std::string>(v.at("images")),
                json::value_to<std::string>(v.at("admin")), json::value_to<std::string>(v.at("plain"))};
}

std::pair<unsigned, json::value> sim_process::admin(const std::string& method, const std::string& path,
                                                    const std::string& body)
{
  boost::asio::io_context io;
  http::client c(io.get_executor());
  http::request req;
  req.method = method;
  req.url = endpoints_.admin + path;
  req.body = body;
  req.content_type = "application/json";
  const auto r = run_sync(io, c.fetch(std::move(req)));
  if (!r)
    throw std::runtime_error("sim admin " + path + ": " + r.message);
  return {r.resp.status, r.resp.body.empty() ? json::value() : json::parse(r.resp.body)};
}

json::value sim_process::stats()
{
  return admin("GET", "/admin/stats").second;
}

void sim_process::set_faults(const std::string& faults_json_array)
{
  if (admin("POST", "/admin/faults", R"({"faults":)" + faults_json_array + "}").first != 200)
    throw std::runtime_error("sim refused faults " + faults_json_array);
}

void sim_process::set_callbacks(const std::string& mode, int delay_ms)
{
  admin("POST", "/admin/callbacks",
        json::serialize(json::object{{"mode", mode}, {"delay_ms", delay_ms}}));
}

void sim_process::set_outage(bool on)
{
  if (admin("POST", "/admin/outage", on ? R"({"on": true})" : R"({"on": false})").first != 200)
    throw std::runtime_error("sim: cannot set the outage");
}

json::array sim_process::sink()
{
  return admin("GET", "/admin/sink").second.at("received").as_array();
}

json::array sim_process::received()
{
  return admin("GET", "/admin/received").second.as_array();
}

std::vector<std::string> sim_process::accepted_tasks(const std::vector<std::string>& task_names)
{
  std::vector<std::string> out;
  for (const auto& r : received())
    if (r.at("status") == 200)
      for (const auto& name : task_names)
        if (r.at("body").as_string().find("\"taskName\":\"" + name + "\"") != std::string::npos)
          out.push_back(name);
  return out;
}

void sim_process::reset()
{
  admin("POST", "/admin/reset");
}

sim_pki make_sim_pki(const temp_dir& dir)
{
  weshop_sim::test_ca ca("weshopd test CA");
  sim_pki pki{dir.file("ca.pem"), dir.file("server.pem"), dir.file("server.key")};
  ca.write_cert(pki.ca);
  ca.issue({}, pki.cert, pki.key);
  return pki;
}

} // namespace weshopd::test
