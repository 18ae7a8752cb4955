#include "weshop/catalog.hpp"

#include <algorithm>

namespace weshopd::weshop {
namespace {

const std::vector<std::string_view> all_mask_types{
  "autoApparelSegment",  "autoUpperApparelSegment", "autoLowerApparelSegment", "autoSubjectSegment",
  "autoHumanSegment", "inverseAutoHumanSegment", "custom"};

const std::vector<std::string_view> generated_content_values{"freeCreation", "referToOrigin"};

param_spec batch_count()
{
  return {"batchCount", param_type::integer, false, {}, 1, 16, 4,
          "How many images to generate; each one costs money"};
}

param_spec mask_type(std::vector<std::string_view> values)
{
  return {"maskType", param_type::enumeration, true, std::move(values), {}, {}, {},
          "The protected region, kept as it is; everything outside is regenerated"};
}

param_spec generated_content()
{
  return {"generatedContent", param_type::enumeration, true, generated_content_values, {}, {}, {},
          "freeCreation: freer; referToOrigin: closer to the source style"};
}

param_spec id_param(std::string_view name, std::string_view description)
{
  return {name, param_type::integer, false, {}, 0, {}, {}, description};
}

param_spec text_param(std::string_view name, bool required, std::string_view description)
{
  return {name, param_type::string, required, {}, {}, {}, {}, description};
}

std::vector<param_spec> custom_mask_params()
{
  return {
    {"customMask", param_type::base64_png, false, {}, {}, {}, {},
     "Base64 PNG without a data: prefix; used with maskType=custom"},
    {"customMaskUrl", param_type::url, false, {}, {}, {}, {}, "Public PNG URL; used with maskType=custom"},
  };
}

std::vector<rule> custom_mask_rules()
{
  const condition custom{"maskType", {"custom"}};
  return {
    {rule_kind::at_least_one_of, {"customMask", "customMaskUrl"}, custom, "/params/customMask", severity::error,
     "When maskType=custom: Provide one of customMask or customMaskUrl."},
    {rule_kind::at_most_one_of, {"customMask", "customMaskUrl"}, custom, "/params/customMaskUrl", severity::warning,
     "Provide one of customMask or customMaskUrl (silent on both: which one WeShop uses is unknown)"},
    {rule_kind::used_only_when, {"customMask", "customMaskUrl"}, custom, "", severity::warning,
     "customMask: Required when maskType=custom and customMaskUrl is absent (silent on other mask types)"},
  };
}

rule at_least_one_of(std::vector<std::string_view> fields, std::string_view guide)
{
  return {rule_kind::at_least_one_of, std::move(fields), {}, "/params", severity::error, guide};
}

template <class T>
std::vector<T> concat(std::vector<T> a, std::vector<T> b)
{
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  return a;
}

const std::vector<input_spec> standard_inputs{
  {"originalImage", true, true, "The source image"},
  {"taskName", false, false, "A human-readable label"},
};

std::vector<agent_spec> build_catalog()
{
  std::vector<agent_spec> agents;

  agents.push_back({"aimodel", "v1.0", "Fashion model photos; model and scene replacement", standard_inputs,
    concat<param_spec>({
      generated_content(),
      mask_type(all_mask_types),
      id_param("locationId", "Scene to use as background (see agent info)"),
      id_param("fashionModelId", "Fashion model whose face to use (see agent info)"),
      text_param("textDescription", false, "The desired look or style"),
      text_param("negTextDescription", false, "What must not appear"),
      batch_count(),
      {"pose", param_type::enumeration, false, {"originalImagePose", "referenceImagePose", "freePose"}, {}, {},
       "originalImagePose", "Keep the source pose, adopt the locationId reference pose, or let the AI decide"},
    }, custom_mask_params()),
    concat<rule>({
      at_least_one_of({"locationId", "fashionModelId", "textDescription"},
                      "Provide at least one of locationId, fashionModelId, or textDescription"),
      {rule_kind::required_when, {"locationId"}, condition{"pose", {"referenceImagePose"}}, "/params/locationId",
       severity::warning, "referenceImagePose: adopt pose from the locationId reference image"},
    }, custom_mask_rules())});

  agents.push_back({"aiproduct", "v1.0", "Product still life; product background editing", standard_inputs,
    concat<param_spec>({
      generated_content(),
      mask_type({"autoSubjectSegment", "custom"}),
      id_param("locationId", "Scene to use as background (see agent info)"),
      text_param("textDescription", false, "The desired look or style"),
      text_param("negTextDescription", false, "What must not appear"),
      batch_count(),
    }, custom_mask_params()),
    concat<rule>({at_least_one_of({"locationId", "textDescription"},
                                  "Provide at least one of locationId or textDescription")},
                 custom_mask_rules())});

  agents.push_back({"aipose", "v1.0", "Keep the garment, change the pose", standard_inputs,
    {
      text_param("textDescription", true, "The pose instruction"),
      {"generateVersion", param_type::enumeration, false, {"lite", "pro"}, {}, {}, "lite", "Model quality"},
      batch_count(),
    },
    {}});

  agents.push_back({"expandimage", "v1.0", "Expand the canvas to a target size, AI-filled", standard_inputs,
    {
      {"targetWidth", param_type::integer, true, {}, 1, 4096, {}, "Canvas width in pixels"},
      {"targetHeight", param_type::integer, true, {}, 1, 4096, {}, "Canvas height in pixels"},
      {"fillLeft", param_type::integer, false, {}, 0, {}, {},
       "Left offset of the original inside the canvas; centred when omitted"},
      {"fillTop", param_type::integer, false, {}, 0, {}, {},
       "Top offset of the original inside the canvas; centred when omitted"},
      batch_count(),
    },
    {
      // No value could pass: an original wholly outside its canvas is not a placement.
      {rule_kind::less_than, {"fillLeft", "targetWidth"}, {}, "/params/fillLeft", severity::error,
       "fillLeft: Distance from the left edge of the target canvas to the left edge of the original image"},
      {rule_kind::less_than, {"fillTop", "targetHeight"}, {}, "/params/fillTop", severity::error,
       "fillTop: Distance from the top edge of the target canvas to the top edge of the original image"},
    }});

  agents.push_back({"removeBG", "v1.0", "Remove the background or replace it with a colour", standard_inputs,
    concat<param_spec>({
      mask_type({"autoSubjectSegment", "custom"}),
      id_param("backgroundId", "Preset background colour (see agent info)"),
      {"backgroundHex", param_type::hex_color, false, {}, {}, {}, {}, "Background colour such as #ced2ce"},
      batch_count(),
    }, custom_mask_params()),
    concat<rule>({at_least_one_of({"backgroundId", "backgroundHex"},
                                  "Provide at least one of backgroundId or backgroundHex")},
                 custom_mask_rules())});

  agents.push_back({"virtualtryon", "v1.0", "Try-on composition with optional model and location references",
    {
      {"originalImage", true, true, "The garment to preserve (Figure 1)"},
      {"fashionModelImage", false, true, "The generated model resembles this person (Figure 2)"},
      {"locationImage", false, true, "Used as the background (Figure 3)"},
      {"taskName", false, false, "A human-readable label"},
    },
    {
      {"generateVersion", param_type::enumeration, true, {"weshopFlash", "weshopPro", "bananaPro"}, {}, {}, {},
       "Model family"},
      {"descriptionType", param_type::enumeration, true, {"custom", "auto"}, {}, {}, {},
       "custom: textDescription required; auto: generated"},
      text_param("textDescription", false, "The desired result; Figure 1/2/3 name the input images"),
      {"aspectRatio", param_type::enumeration, false, {"1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"},
       {}, {}, {}, "Only for weshopPro and bananaPro"},
      {"imageSize", param_type::enumeration, false, {"1K", "2K", "4K"}, {}, {}, {},
       "Required for bananaPro"},
      batch_count(),
    },
    {
      {rule_kind::required_when, {"textDescription"}, condition{"descriptionType", {"custom"}},
       "/params/textDescription", severity::error, "textDescription: Required when descriptionType=custom"},
      {rule_kind::used_only_when, {"aspectRatio"}, condition{"generateVersion", {"weshopPro", "bananaPro"}}, "",
       severity::warning, "aspectRatio: Valid for weshopPro and bananaPro"},
      {rule_kind::required_when, {"imageSize"}, condition{"generateVersion", {"bananaPro"}},
       "/params/imageSize", severity::error, "imageSize: Required when generateVersion=bananaPro"},
    }});

  return agents;
}

std::string join(const std::vector<std::string_view>& items, std::string_view last_sep)
{
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += i + 1 == items.size() ? last_sep : std::string_view{", "};
    out += items[i];
  }
  return out;
}

} // namespace

const param_spec* agent_spec::find_param(std::string_view param) const
{
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.name == param; });
  return it == params.end() ? nullptr : &*it;
}

const input_spec* agent_spec::find_input(std::string_view input) const
{
  auto it = std::find_if(inputs.begin(), inputs.end(), [&](const auto& i) { return i.name == input; });
  return it == inputs.end() ? nullptr : &*it;
}

const std::vector<agent_spec>& catalog()
{
  static const std::vector<agent_spec> agents = build_catalog();
  return agents;
}

const agent_spec* find_agent(std::string_view name, std::string_view version)
{
  for (const auto& a : catalog())
    if (a.name == name && a.version == version)
      return &a;
  return nullptr;
}

const agent_spec* find_agent(std::string_view name)
{
  const auto version = default_version(name);
  return version ? find_agent(name, *version) : nullptr;
}

std::optional<std::string_view> default_version(std::string_view name)
{
  std::optional<std::string_view> newest;
  for (const auto& a : catalog())
    if (a.name == name && (!newest || a.version > *newest))
      newest = a.version;
  return newest;
}

std::string describe(const rule& r)
{
  std::string when;
  if (r.when)
    when = " when " + std::string(r.when->param) + " is " + join(r.when->values, " or ");
  const bool advice = r.level == severity::warning;
  switch (r.kind) {
  case rule_kind::at_least_one_of: return "at least one of " + join(r.fields, " or ") + " is required" + when;
  case rule_kind::at_most_one_of:
    return "one of " + join(r.fields, " or ") + " is enough" + when + "; WeShop does not say which it uses";
  case rule_kind::required_when: return join(r.fields, " and ") + (advice ? " is expected" : " is required") + when;
  case rule_kind::used_only_when:
    return join(r.fields, " and ") + (r.fields.size() > 1 ? " are" : " is") + " used only" + when;
  case rule_kind::less_than:
    return std::string(r.fields.at(0)) + " must be less than " + std::string(r.fields.at(1));
  }
  return {};
}

std::string_view to_string(param_type t)
{
  switch (t) {
  case param_type::string: return "string";
  case param_type::integer: return "integer";
  case param_type::enumeration: return "enum";
  case param_type::url: return "url";
  case param_type::base64_png: return "base64png";
  case param_type::hex_color: return "hexcolor";
  }
  return "unknown";
}

} // namespace weshopd::weshop
