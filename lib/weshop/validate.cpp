#include "weshop/validate.hpp"

#include "common/base64.hpp"
#include "weshop/canonical.hpp"
#include "weshop/catalog.hpp"
#include "weshop/image_ref.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace weshopd::weshop {

namespace {

namespace json = boost::json;

bool present(const json::object& obj, std::string_view key)
{
  const auto* v = obj.if_contains(key);
  return v && !is_absent(*v);
}

std::string quoted_list(const std::vector<std::string_view>& items)
{
  std::string out;
  for (auto item : items) {
    if (!out.empty())
      out += ", ";
    out += item;
  }
  return out;
}

// What a JSON value is, for messages ("got an array").
std::string_view kind_of(const json::value& v)
{
  switch (v.kind()) {
  case json::kind::null: return "null";
  case json::kind::bool_: return "a boolean";
  case json::kind::int64:
  case json::kind::uint64:
  case json::kind::double_: return "a number";
  case json::kind::string: return "a string";
  case json::kind::array: return "an array";
  case json::kind::object: return "an object";
  }
  return "a value";
}

// "this hex color value, e.g. #ced2ce": #rrggbb as the example, or another
// hex form (#rgb, #rrggbbaa, without '#') that may well be meant.
bool is_hex_color(std::string_view s)
{
  if (s.starts_with('#'))
    s.remove_prefix(1);
  return (s.size() == 3 || s.size() == 6 || s.size() == 8) &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool is_example_hex_color(std::string_view s)
{
  return s.size() == 7 && s[0] == '#' && is_hex_color(s);
}

bool is_png(std::string_view bytes)
{
  return bytes.starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8));
}

// The integer value of `v`, when it is an integral number that fits int64.
std::optional<std::int64_t> as_integer(const json::value& v)
{
  if (!v.is_number())
    return std::nullopt;
  boost::system::error_code ec;
  const auto n = v.to_number<std::int64_t>(ec);
  if (ec)
    return std::nullopt;
  return n;
}

// Checks one present param value against its spec; empty string = fine.
std::string check_param(const param_spec& spec, const json::value& v)
{
  const auto expect = [&](std::string_view what) {
    return "must be " + std::string(what) + ", got " + std::string(kind_of(v));
  };
  if (spec.type == param_type::integer) {
    const auto n = as_integer(v);
    if (!n)
      return v.is_number() ? "must be a whole number that fits 64 bits" : expect("an integer");
    if ((spec.min && *n < *spec.min) || (spec.max && *n > *spec.max)) {
      if (spec.min && spec.max)
        return "must be between " + std::to_string(*spec.min) + " and " + std::to_string(*spec.max);
      return spec.min ? "must be at least " + std::to_string(*spec.min)
                      : "must be at most " + std::to_string(*spec.max);
    }
    return {};
  }

  const auto* s = v.if_string();
  if (!s)
    return expect("a string");
  const std::string_view text(*s);
  switch (spec.type) {
  case param_type::string:
    return {};
  case param_type::enumeration:
    return std::find(spec.values.begin(), spec.values.end(), text) != spec.values.end()
             ? ""
             : "must be one of: " + quoted_list(spec.values);
  case param_type::url:
    return is_http_url(text) ? "" : "must be an absolute http(s) URL";
  case param_type::hex_color:
    return is_hex_color(text) ? "" : "must be a hex colour such as #ced2ce";
  case param_type::base64_png: {
    if (text.starts_with("data:"))
      return "must be plain base64, without a data: prefix";
    // The guide asks for "a base64-encoded PNG string" and says nothing of
    // padding or line breaks, so both readings are accepted.
    const auto bytes = base64_decode_relaxed(text);
    if (!bytes)
      return "must be base64 (RFC 4648)";
    return is_png(*bytes) ? "" : "must be the base64 of a PNG image";
  }
  case param_type::integer: break;
  }
  return {};
}

bool holds(const std::optional<condition>& when, const json::object& params)
{
  if (!when)
    return true;
  const auto* v = params.if_contains(when->param);
  const auto* s = v ? v->if_string() : nullptr;
  return s && std::find(when->values.begin(), when->values.end(), std::string_view(*s)) != when->values.end();
}

void check_rule(const rule& r, const json::object& params, violations& out)
{
  if (r.kind == rule_kind::used_only_when) { // each field that means nothing here, at its own pointer
    if (!holds(r.when, params))
      for (auto f : r.fields)
        if (present(params, f))
          out.push_back({json_pointer({"params", f}), describe(r)});
    return;
  }
  const auto count_present = [&] {
    return std::count_if(r.fields.begin(), r.fields.end(), [&](auto f) { return present(params, f); });
  };
  bool broken = false;
  switch (r.kind) {
  case rule_kind::at_least_one_of:
    broken = holds(r.when, params) && count_present() == 0;
    break;
  case rule_kind::at_most_one_of:
    broken = holds(r.when, params) && count_present() > 1;
    break;
  case rule_kind::required_when:
    broken = holds(r.when, params) && !present(params, r.fields.at(0));
    break;
  case rule_kind::used_only_when: break;
  case rule_kind::less_than: {
    const auto* a = params.if_contains(r.fields.at(0));
    const auto* b = params.if_contains(r.fields.at(1));
    const auto x = a ? as_integer(*a) : std::nullopt;
    const auto y = b ? as_integer(*b) : std::nullopt;
    broken = x && y && *x >= *y;
    break;
  }
  }
  if (broken)
    out.push_back({r.pointer, describe(r)});
}

// agent → the spec it names, reporting what is wrong with it.
const agent_spec* check_agent(const json::object& request, violations& out)
{
  const auto* agent = request.if_contains("agent");
  if (!agent || agent->is_null()) {
    out.push_back({"/agent", "is required: {\"name\": ..., \"version\": ...}"});
    return nullptr;
  }
  const auto* obj = agent->if_object();
  if (!obj) {
    out.push_back({"/agent", "must be an object with name and version, got " + std::string(kind_of(*agent))});
    return nullptr;
  }
  for (const auto& kv : *obj)
    if (kv.key() != "name" && kv.key() != "version")
      out.push_back({json_pointer({"agent", kv.key()}), "is not a known field (use name and version)"});

  const auto* name = obj->if_contains("name");
  const auto* name_text = name ? name->if_string() : nullptr;
  if (!name_text) {
    out.push_back({"/agent/name", name && !name->is_null() ? "must be a string" : "is required"});
    return nullptr;
  }
  if (!default_version(*name_text)) {
    std::vector<std::string_view> names;
    for (const auto& a : catalog())
      names.push_back(a.name);
    out.push_back({"/agent/name", "is not a known agent; known: " + quoted_list(names)});
    return nullptr;
  }

  const auto* version = obj->if_contains("version");
  if (!version || version->is_null())
    return find_agent(*name_text);
  const auto* version_text = version->if_string();
  const agent_spec* spec = version_text ? find_agent(*name_text, *version_text) : nullptr;
  if (!spec) {
    std::vector<std::string_view> versions;
    for (const auto& a : catalog())
      if (a.name == *name_text)
        versions.push_back(a.version);
    out.push_back({"/agent/version", "must be one of: " + quoted_list(versions)});
  }
  return spec;
}

void check_input(const json::object& request, const agent_spec* agent, violations& out)
{
  const auto* input = request.if_contains("input");
  if (!input || input->is_null()) {
    out.push_back({"/input/originalImage", "is required"});
    return;
  }
  const auto* obj = input->if_object();
  if (!obj) {
    out.push_back({"/input", "must be an object, got " + std::string(kind_of(*input))});
    return;
  }
  if (!present(*obj, "originalImage"))
    out.push_back({"/input/originalImage", "is required"});

  for (const auto& kv : *obj) {
    const auto pointer = json_pointer({"input", kv.key()});
    const input_spec* spec = agent ? agent->find_input(kv.key()) : nullptr;
    if (!spec) {
      if (agent)
        out.push_back({pointer, "is not an input of " + std::string(agent->name)});
      continue;
    }
    if (is_absent(kv.value()))
      continue;
    const auto* s = kv.value().if_string();
    if (!s)
      out.push_back({pointer, "must be a string, got " + std::string(kind_of(kv.value()))});
    else if (spec->image && classify_image_ref(*s).kind == image_ref::kind::invalid)
      out.push_back({pointer, "must be an http(s) URL, an absolute local path or a file:// URL"});
  }
}

// The params object (an empty one when absent); nullptr when it is not an object.
const json::object* params_of(const json::object& request)
{
  static const json::object none;
  const auto* p = request.if_contains("params");
  return p && !p->is_null() ? p->if_object() : &none;
}

void check_params(const json::object& request, const agent_spec& agent, violations& out)
{
  const json::object* params = params_of(request);
  if (!params) {
    out.push_back({"/params", "must be an object, got " + std::string(kind_of(request.at("params")))});
    return;
  }

  for (const auto& kv : *params) {
    const auto pointer = json_pointer({"params", kv.key()});
    const param_spec* spec = agent.find_param(kv.key());
    if (!spec) {
      std::vector<std::string_view> names;
      for (const auto& p : agent.params)
        names.push_back(p.name);
      out.push_back({pointer, "is not a parameter of " + std::string(agent.name) + "; it takes " + quoted_list(names)});
      continue;
    }
    if (is_absent(kv.value()))
      continue;
    if (auto problem = check_param(*spec, kv.value()); !problem.empty())
      out.push_back({pointer, std::move(problem)});
  }
  for (const auto& spec : agent.params)
    if (spec.required && !present(*params, spec.name))
      out.push_back({json_pointer({"params", spec.name}), "is required"});
  for (const auto& r : agent.rules)
    if (r.level == severity::error)
      check_rule(r, *params, out);
}

} // namespace

violations validate(const json::value& request)
{
  violations out;
  const auto* obj = request.if_object();
  if (!obj) {
    out.push_back({"", "the request must be a JSON object, got " + std::string(kind_of(request))});
    return out;
  }
  for (const auto& kv : *obj)
    if (kv.key() != "agent" && kv.key() != "input" && kv.key() != "params")
      out.push_back({json_pointer({kv.key()}), "is not a known field (use agent, input and params)"});

  const agent_spec* agent = check_agent(*obj, out);
  check_input(*obj, agent, out);
  if (agent)
    check_params(*obj, *agent, out);
  return out;
}

violations warnings(const json::value& request)
{
  violations out;
  const auto* obj = request.if_object();
  const auto* agent_value = obj ? obj->if_contains("agent") : nullptr;
  const auto* agent = agent_value ? agent_value->if_object() : nullptr;
  const auto* name = agent ? agent->if_contains("name") : nullptr;
  const auto* version = agent ? agent->if_contains("version") : nullptr;
  if (!name || !name->is_string())
    return out;
  const auto* spec = version && version->is_string() ? find_agent(name->get_string(), version->get_string())
                                                     : find_agent(name->get_string());
  const auto* params = spec ? params_of(*obj) : nullptr;
  if (!params)
    return out;
  for (const auto& p : spec->params)
    if (const auto* v = p.type == param_type::hex_color ? params->if_contains(p.name) : nullptr;
        v && v->is_string() && !v->get_string().empty() && !is_example_hex_color(v->get_string()))
      out.push_back({json_pointer({"params", p.name}), "is not in the guide's #rrggbb form (e.g. #ced2ce); sent as given"});
  for (const auto& r : spec->rules)
    if (r.level == severity::warning)
      check_rule(r, *params, out);
  return out;
}

} // namespace weshopd::weshop
