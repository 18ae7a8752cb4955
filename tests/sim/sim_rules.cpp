#include "sim_rules.hpp"

#include "common/base64.hpp"
#include "sim_envelope.hpp"

#include <algorithm>
#include <cctype>

namespace weshop_sim {
namespace json = boost::json;

namespace {

// --- the table, from the guide ---------------------------------------------

field_rule url_input(std::string_view name, bool required, std::string_view guide)
{
  return {.name = name, .type = value_type::url, .required = required, .guide = guide};
}

const std::vector<field_rule> standard_inputs{
  url_input("originalImage", true, "input.originalImage | string(url) | Yes | Publicly reachable source image URL"),
  {.name = "taskName", .type = value_type::text, .guide = "input.taskName | string | No | Human-readable task label"},
};

field_rule batch_count()
{
  return {.name = "batchCount", .type = value_type::integer, .min = 1, .max = 16,
          .guide = "How many result images to generate in one run. Integer, range 1-16, default 4 when omitted."};
}

field_rule generated_content()
{
  return {.name = "generatedContent", .type = value_type::one_of, .required = true,
          .values = {"freeCreation", "referToOrigin"}, .guide = "freeCreation or referToOrigin"};
}

field_rule mask_type(std::vector<std::string_view> values, std::string_view guide)
{
  return {.name = "maskType", .type = value_type::one_of, .required = true, .values = std::move(values), .guide = guide};
}

field_rule text(std::string_view name, bool required, std::string_view guide)
{
  return {.name = name, .type = value_type::text, .required = required, .guide = guide};
}

field_rule preset(std::string_view name, std::string_view guide)
{
  return {.name = name, .type = value_type::preset_id, .guide = guide};
}

field_rule one_of(std::string_view name, bool required, std::vector<std::string_view> values, std::string_view guide)
{
  return {.name = name, .type = value_type::one_of, .required = required, .values = std::move(values), .guide = guide};
}

std::vector<field_rule> custom_mask(std::string_view mask_guide, std::string_view url_guide)
{
  return {{.name = "customMask", .type = value_type::base64_png, .guide = mask_guide},
          {.name = "customMaskUrl", .type = value_type::url, .guide = url_guide}};
}

// "When maskType=custom: Provide one of customMask or customMaskUrl." Both
// together are accepted; a mask with another maskType is accepted and ignored.
const condition_rule custom_mask_given{{"customMask", "customMaskUrl"}, "maskType", "custom",
                                       "When maskType=custom: Provide one of customMask or customMaskUrl."};

const std::string_view location_guide = "Replace the background with the scene corresponding to this ID.";
const std::string_view look_guide = "Describe the desired look or style of the generated result.";
const std::string_view negative_guide = "Describe elements or effects you do not want to appear in the result";

const preset_list locations{"locationId", "locations", "Location", 5};

std::vector<field_rule> joined(std::vector<field_rule> a, std::vector<field_rule> b)
{
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  return a;
}

std::vector<agent_rules> build_table()
{
  std::vector<agent_rules> t;
  t.push_back({"aimodel", "v1.0", standard_inputs,
    joined({
      generated_content(),
      mask_type({"autoApparelSegment", "autoUpperApparelSegment", "autoLowerApparelSegment", "autoSubjectSegment",
                 "autoHumanSegment", "inverseAutoHumanSegment", "custom"},
                "Supports autoApparelSegment, autoUpperApparelSegment, autoLowerApparelSegment, autoSubjectSegment, "
                "autoHumanSegment, inverseAutoHumanSegment, custom"),
      preset("locationId", location_guide),
      preset("fashionModelId", "Replace the model's face with the face of the specified fashion model."),
      text("textDescription", false, look_guide),
      text("negTextDescription", false, negative_guide),
      batch_count(),
      one_of("pose", false, {"originalImagePose", "referenceImagePose", "freePose"},
             "originalImagePose: keep source pose, product unchanged. referenceImagePose: adopt pose from the "
             "locationId reference image. freePose: AI decides pose freely. Default originalImagePose"),
    }, custom_mask("Required when maskType=custom and customMaskUrl is absent",
                   "Required when maskType=custom and customMask is absent")),
    {{{"locationId", "fashionModelId", "textDescription"}, {}, {},
      "Provide at least one of locationId, fashionModelId, or textDescription"},
     custom_mask_given},
    {locations, {"fashionModelId", "fashionModels", "Model", 5}}});

  t.push_back({"aiproduct", "v1.0", standard_inputs,
    joined({
      generated_content(),
      mask_type({"autoSubjectSegment", "custom"}, "Supports autoSubjectSegment and custom"),
      preset("locationId", location_guide),
      text("textDescription", false, look_guide),
      text("negTextDescription", false, negative_guide),
      batch_count(),
    }, custom_mask("Required for maskType=custom when URL is absent",
                   "Required for maskType=custom when base64 is absent")),
    {{{"locationId", "textDescription"}, {}, {}, "Provide at least one of locationId or textDescription"},
     custom_mask_given},
    {locations}});

  t.push_back({"aipose", "v1.0", standard_inputs,
    {text("textDescription", true, "Pose instruction"),
     one_of("generateVersion", false, {"lite", "pro"}, "lite or pro, default lite"),
     batch_count()},
    {}, {}});

  const auto side = [](std::string_view name, std::string_view guide) {
    return field_rule{.name = name, .type = value_type::integer, .required = true, .min = 1, .max = 4096,
                      .guide = guide};
  };
  const auto fill = [](std::string_view name, std::string_view guide) {
    return field_rule{.name = name, .type = value_type::integer, .min = 0, .guide = guide};
  };
  t.push_back({"expandimage", "v1.0", standard_inputs,
    {side("targetWidth", "targetWidth | int | Yes | Maximum 4096"),
     side("targetHeight", "targetHeight | int | Yes | Maximum 4096"),
     fill("fillLeft", "Distance from the left edge of the target canvas to the left edge of the original image"),
     fill("fillTop", "Distance from the top edge of the target canvas to the top edge of the original image"),
     batch_count()},
    {}, {}});

  t.push_back({"removeBG", "v1.0", standard_inputs,
    joined({
      mask_type({"autoSubjectSegment", "custom"}, "Supports autoSubjectSegment and custom"),
      preset("backgroundId", "Replace the background with the solid color corresponding to this preset ID."),
      {.name = "backgroundHex", .type = value_type::hex_colour,
       .guide = "Replace the background with this hex color value, e.g. #ced2ce."},
      batch_count(),
    }, custom_mask("Required when maskType=custom and URL is absent",
                   "Required when maskType=custom and base64 is absent")),
    {{{"backgroundId", "backgroundHex"}, {}, {}, "Provide at least one of backgroundId or backgroundHex"},
     custom_mask_given},
    {{"backgroundId", "backgrounds", "Background", 5}}});

  t.push_back({"virtualtryon", "v1.0",
    joined(standard_inputs, {
      url_input("fashionModelImage", false, "Model reference image; the generated model will resemble this person"),
      url_input("locationImage", false, "Background reference image; the generated scene will use this as the background"),
    }),
    {one_of("generateVersion", true, {"weshopFlash", "weshopPro", "bananaPro"}, "weshopFlash, weshopPro, or bananaPro"),
     one_of("descriptionType", true, {"custom", "auto"}, "custom or auto"),
     text("textDescription", false, "Required when descriptionType=custom. Describe the desired result."),
     // "Valid for weshopPro and bananaPro": with weshopFlash it is accepted and ignored.
     one_of("aspectRatio", false, {"1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"},
            "Valid for weshopPro and bananaPro: 1:1, 2:3, 3:2, 3:4, 4:3, 9:16, 16:9, 21:9"),
     one_of("imageSize", false, {"1K", "2K", "4K"}, "Required when generateVersion=bananaPro: 1K, 2K, 4K"),
     batch_count()},
    {{{"textDescription"}, "descriptionType", "custom", "Required when descriptionType=custom"},
     {{"imageSize"}, "generateVersion", "bananaPro", "Required when generateVersion=bananaPro: 1K, 2K, 4K"}},
    {}});
  return t;
}

// --- the checks ------------------------------------------------------------

// A JSON Pointer token (RFC 6901): '~' and '/' escaped.
std::string token(std::string_view key)
{
  std::string out;
  for (char c : key)
    out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string_view kind_of(const json::value& v)
{
  switch (v.kind()) {
  case json::kind::null: return "null";
  case json::kind::bool_: return "a boolean";
  case json::kind::int64:
  case json::kind::uint64: return "an integer";
  case json::kind::double_: return "a fractional number";
  case json::kind::string: return "a string";
  case json::kind::array: return "an array";
  case json::kind::object: return "an object";
  }
  return "a value";
}

std::string listed(const std::vector<std::string_view>& items, std::string_view separator = ", ")
{
  std::string out;
  for (auto item : items)
    out += (out.empty() ? "" : std::string(separator)) + std::string(item);
  return out;
}

bool is_hex_colour(std::string_view s)
{
  return s.size() == 7 && s[0] == '#' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// Why `v` is not a strict JSON integer within [min, max]; empty when it is.
std::string check_integer(const json::value& v, std::optional<std::int64_t> min, std::optional<std::int64_t> max)
{
  if (v.is_double()) // 2.0 and 1.6E1 parse as doubles: WeShop's int is an integer literal
    return "must be a JSON integer such as 2, not a number written with a fraction or exponent";
  if (!v.is_int64() && !v.is_uint64())
    return "must be an integer, got " + std::string(kind_of(v));
  const bool too_big = v.is_uint64(); // over INT64_MAX
  const auto n = too_big ? 0 : v.get_int64();
  if ((max && (too_big || n > *max)) || (min && !too_big && n < *min)) {
    if (min && max)
      return "must be between " + std::to_string(*min) + " and " + std::to_string(*max);
    return min ? "must be at least " + std::to_string(*min) : "must be at most " + std::to_string(*max);
  }
  return {};
}

// Why `v` does not fit `rule`; empty when it does.
std::string check_value(const field_rule& rule, const json::value& v, const agent_rules& agent)
{
  if (v.is_null())
    return "must not be null (leave it out instead)";
  if (rule.type == value_type::integer)
    return check_integer(v, rule.min, rule.max);
  if (rule.type == value_type::preset_id) {
    const auto p = std::find_if(agent.presets.begin(), agent.presets.end(),
                                [&](const preset_list& l) { return l.param == rule.name; });
    const auto count = p == agent.presets.end() ? 0 : p->count;
    if (auto problem = check_integer(v, std::nullopt, std::nullopt); !problem.empty())
      return problem;
    if (!check_integer(v, 1, count).empty())
      return "is not one of " + std::string(agent.name) + "'s preset ids 1-" + std::to_string(count) +
             " (GET /openapi/v1/agent/info lists them)";
    return {};
  }
  const auto* s = v.if_string();
  if (!s)
    return "must be a string, got " + std::string(kind_of(v));
  const std::string_view text(*s);
  switch (rule.type) {
  case value_type::text:
    return text.empty() ? "must not be empty" : "";
  case value_type::one_of:
    return std::find(rule.values.begin(), rule.values.end(), text) != rule.values.end()
             ? ""
             : "must be one of: " + listed(rule.values);
  case value_type::url:
    return is_http_url(text) ? "" : "must be a public http(s) URL";
  case value_type::hex_colour:
    return is_hex_colour(text) ? "" : "must be a hex colour such as #ced2ce";
  case value_type::base64_png: {
    if (text.starts_with("data:"))
      return "must be base64 without the data:image/png;base64, prefix";
    // "a base64-encoded PNG string": the guide says nothing of padding or
    // line breaks, so a decoder that tolerates both is the faithful reading.
    const auto bytes = weshopd::base64_decode_relaxed(text);
    if (!bytes)
      return "must be base64";
    return bytes->starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8)) ? "" : "must be the base64 of a PNG image";
  }
  case value_type::integer:
  case value_type::preset_id: break;
  }
  return {};
}

// The members of `object` (at `pointer`) against `rules`: unknown keys,
// missing required ones, and each value.
void check_fields(const json::object& object, const std::vector<field_rule>& rules, const agent_rules& agent,
                  const std::string& pointer, std::vector<std::string>& out)
{
  for (const auto& kv : object)
    if (std::none_of(rules.begin(), rules.end(), [&](const field_rule& r) { return r.name == kv.key(); }))
      out.push_back(pointer + "/" + token(kv.key()) + " is not a field of " + std::string(agent.name) + " " +
                    std::string(agent.version));
  for (const auto& rule : rules) {
    const auto at = pointer + "/" + std::string(rule.name);
    const auto* v = object.if_contains(rule.name);
    if (!v) {
      if (rule.required)
        out.push_back(at + " is required");
      continue;
    }
    if (auto problem = check_value(rule, *v, agent); !problem.empty())
      out.push_back(at + " " + problem);
  }
}

void check_condition(const condition_rule& c, const json::object& params, std::vector<std::string>& out)
{
  if (!c.when_param.empty()) {
    const auto* v = params.if_contains(c.when_param);
    if (!v || !v->is_string() || v->get_string() != c.when_value)
      return;
  }
  const auto given = [&](std::string_view f) {
    const auto* v = params.if_contains(f);
    return v && !v->is_null();
  };
  if (std::any_of(c.fields.begin(), c.fields.end(), given))
    return;
  const std::string quote = " (\"" + std::string(c.guide) + "\")";
  if (c.fields.size() == 1)
    out.push_back("/params/" + std::string(c.fields[0]) + " is required" + quote);
  else
    out.push_back("/params needs at least one of " + listed(c.fields) + quote);
}

// The object member `key` of `body`, or a problem about it.
const json::object* object_member(const json::object& body, std::string_view key, std::vector<std::string>& out)
{
  const auto* v = body.if_contains(key);
  if (!v || !v->is_object())
    out.push_back("/" + std::string(key) + (v ? " must be an object, got " + std::string(kind_of(*v)) : " is required"));
  return v ? v->if_object() : nullptr;
}

const agent_rules* check_agent(const json::object& agent, std::vector<std::string>& out)
{
  for (const auto& kv : agent)
    if (kv.key() != "name" && kv.key() != "version")
      out.push_back("/agent/" + token(kv.key()) + " is not a field of agent (name, version)");
  const auto* name = agent.if_contains("name");
  const auto* version = agent.if_contains("version");
  if (!name || !name->is_string()) {
    out.push_back(std::string("/agent/name ") + (name ? "must be a string" : "is required"));
    return nullptr;
  }
  std::vector<std::string_view> names;
  for (const auto& a : agent_table())
    names.push_back(a.name);
  if (std::find(names.begin(), names.end(), std::string_view(name->get_string())) == names.end()) {
    out.push_back("/agent/name is not a known agent (" + listed(names) + ")");
    return nullptr;
  }
  if (!version || !version->is_string()) {
    out.push_back(std::string("/agent/version ") + (version ? "must be a string" : "is required"));
    return nullptr;
  }
  const auto* rules = find_agent_rules(name->get_string(), version->get_string());
  if (!rules)
    out.push_back("/agent/version is not a version of " + std::string(name->get_string()) + " (v1.0)");
  return rules;
}

} // namespace

const std::vector<agent_rules>& agent_table()
{
  static const std::vector<agent_rules> table = build_table();
  return table;
}

const agent_rules* find_agent_rules(std::string_view name, std::string_view version)
{
  for (const auto& a : agent_table())
    if (a.name == name && a.version == version)
      return &a;
  return nullptr;
}

std::vector<std::string> check_run_request(const json::object& body)
{
  std::vector<std::string> out;
  for (const auto& kv : body)
    if (kv.key() != "agent" && kv.key() != "input" && kv.key() != "params" && kv.key() != "callbackUrl")
      out.push_back("/" + token(kv.key()) + " is not a field of a run request (agent, input, params, callbackUrl)");
  const auto* agent = object_member(body, "agent", out);
  const auto* rules = agent ? check_agent(*agent, out) : nullptr;
  const auto* input = object_member(body, "input", out);
  const auto* params = object_member(body, "params", out);
  if (rules && input)
    check_fields(*input, rules->input, *rules, "/input", out);
  if (rules && params) {
    check_fields(*params, rules->params, *rules, "/params", out);
    for (const auto& c : rules->conditions)
      check_condition(c, *params, out);
  }
  if (const auto* cb = body.if_contains("callbackUrl"); cb && !(cb->is_string() && is_http_url(cb->get_string())))
    out.push_back("/callbackUrl must be an http(s) URL"); // "Public callback endpoint for async completion"
  return out;
}

std::string join_problems(const std::vector<std::string>& problems)
{
  std::string out;
  for (const auto& p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

} // namespace weshop_sim
