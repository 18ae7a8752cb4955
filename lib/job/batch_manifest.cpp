#include "job/batch_manifest.hpp"

#include "weshop/catalog.hpp"

#include <boost/json/serialize.hpp>

#include <vector>

namespace weshopd {

namespace json = boost::json;

namespace {

const json::string* string_at(const json::object& o, std::string_view key)
{
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// A result's fields as the manifest names them: WeShop calls its URL "image".
json::object result_object(const json::value& result)
{
  json::object out;
  const auto* o = result.if_object();
  if (!o)
    return out;
  if (const auto* url = string_at(*o, "image"))
    out["url"] = *url;
  for (const auto* key : {"localUrl", "sha256"})
    if (const auto* text = string_at(*o, key))
      out[key] = *text;
  if (const auto* bytes = o->if_contains("bytes"); bytes && bytes->is_number())
    out["bytes"] = *bytes;
  return out;
}

// RFC 4180: quoted only when it must be, quotes doubled.
std::string csv_field(std::string_view text)
{
  if (text.find_first_of(",\"\r\n") == std::string_view::npos)
    return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + '"';
}

// One word per result (empty when that result lacks `key`); empty when none has it.
std::string joined(const json::array& results, std::string_view key)
{
  std::string out;
  bool any = false;
  for (std::size_t k = 0; k < results.size(); ++k) {
    if (k > 0)
      out += ' ';
    const auto* o = results[k].if_object();
    const auto* text = o ? string_at(*o, key) : nullptr;
    if (!text)
      continue;
    any = true;
    for (const char c : *text) { // a word never holds the separator
      if (c == ' ')
        out += "%20";
      else
        out += c;
    }
  }
  return any ? out : std::string();
}

} // namespace

std::string manifest_input_image(const job& item)
{
  if (const auto* original = string_at(item.input, "originalImage"))
    return std::string(*original);
  const auto* agent = weshop::find_agent(item.agent, item.agent_version);
  if (!agent)
    agent = weshop::find_agent(item.agent);
  if (agent)
    for (const auto& input : agent->inputs)
      if (const auto* text = input.image ? string_at(item.input, input.name) : nullptr)
        return std::string(*text);
  return {};
}

json::object manifest_object(std::size_t index, std::string_view name, const job& item)
{
  json::object line{{"index", index}, {"name", name}, {"jobId", item.id}, {"state", to_string(item.state)},
                    {"input", item.input}};
  if (item.error)
    line["error"] = json::object{{"code", item.error->code}, {"message", item.error->message}};
  json::array results;
  for (const auto& r : item.results)
    results.push_back(result_object(r));
  line["results"] = std::move(results);
  return line;
}

std::string manifest_jsonl_line(std::size_t index, std::string_view name, const job& item)
{
  return json::serialize(manifest_object(index, name, item)) + '\n';
}

std::string manifest_csv_header()
{
  return "index,name,job_id,state,error_code,input_image,result_urls,local_urls,sha256s\r\n";
}

std::string manifest_csv_line(std::size_t index, std::string_view name, const job& item)
{
  const std::vector<std::string> fields{std::to_string(index),
                                        std::string(name),
                                        item.id,
                                        std::string(to_string(item.state)),
                                        item.error ? item.error->code : std::string(),
                                        manifest_input_image(item),
                                        joined(item.results, "image"),
                                        joined(item.results, "localUrl"),
                                        joined(item.results, "sha256")};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i)
    line += (i > 0 ? "," : "") + csv_field(fields[i]);
  return line + "\r\n";
}

} // namespace weshopd
