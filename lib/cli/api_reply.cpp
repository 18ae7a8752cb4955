#include "cli/api_reply.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <ostream>

namespace weshopd::cli {

namespace json = boost::json;

std::string text_of(const json::value& v)
{
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

json::object body_object(const reply& r)
{
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return {};
  return std::move(v.as_object());
}

int report_error(const reply& r, output io)
{
  const auto body = body_object(r);
  const auto* error = body.if_contains("error");
  if (error && error->is_object()) {
    const auto& e = error->get_object();
    io.err << "weshopctl: " << r.status << " " << (e.contains("code") ? text_of(e.at("code")) : "") << ": "
           << (e.contains("message") ? text_of(e.at("message")) : "") << "\n";
    if (const auto* fields = e.if_contains("details"); fields && fields->is_array())
      for (const auto& f : fields->get_array())
        if (f.is_object() && f.get_object().contains("field") && f.get_object().contains("message"))
          io.err << "  " << text_of(f.get_object().at("field")) << ": "
                 << text_of(f.get_object().at("message")) << "\n";
  } else {
    io.err << "weshopctl: weshopd answered HTTP " << r.status << "\n";
  }
  if (r.status == 400 || r.status == 413 || r.status == 415 || r.status == 422)
    return usage;
  if (r.status == 401 || r.status >= 500)
    return daemon_unavailable;
  return job_failed;
}

std::string job_path(std::string_view id)
{
  return "/v1/jobs/" + std::string(boost::urls::encode(id, boost::urls::unreserved_chars));
}

std::string batch_path(std::string_view id)
{
  return "/v1/batches/" + std::string(boost::urls::encode(id, boost::urls::unreserved_chars));
}

int exit_code_of(const json::object& job)
{
  const auto* state = job.if_contains("state");
  return state && state->is_string() && state->get_string() == "succeeded" ? done : job_failed;
}

} // namespace weshopd::cli
