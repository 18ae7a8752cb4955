// One case per rule of the WeShop guide (shared/weshop-agent-openapi-2026-04-02.txt),
// each named by the guide's words: what weshopd refuses (422, at a JSON
// Pointer), what it accepts, and what it accepts with a warning where the
// guide is silent but the value is probably a mistake. Then the canonical
// form: what goes upstream and what the budget prices.

#include "budget/budget_policy.hpp"
#include "weshop/canonical.hpp"
#include "weshop/validate.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>

using namespace weshopd::weshop;
namespace json = boost::json;

namespace {

constexpr const char* png_base64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

std::string request(const std::string& agent, const std::string& params,
                    const std::string& input = R"({"originalImage":"https://x.test/a.png"})")
{
  return R"({"agent":{"name":")" + agent + R"(","version":"v1.0"},"input":)" + input + R"(,"params":)" + params + "}";
}

using pointer_set = std::multiset<std::string>;

pointer_set pointers_of(const violations& vs)
{
  pointer_set out;
  for (const auto& v : vs) {
    EXPECT_FALSE(v.message.empty()) << v.pointer;
    out.insert(v.pointer);
  }
  return out;
}

// As intake checks: canonical first, then the rules.
struct checked {
  pointer_set errors;
  pointer_set warnings;
};

checked check(const std::string& body)
{
  auto request = json::parse(body);
  if (auto* obj = request.if_object())
    canonicalize(*obj);
  const auto errors = validate(request);
  return {pointers_of(errors), errors.empty() ? pointers_of(warnings(request)) : pointer_set{}};
}

struct guide_rule {
  const char* guide; // the guide's words (or, for a bound no value could pass, why)
  std::string body;
  pointer_set errors;
  pointer_set warnings{};
};

const std::string aimodel_base = R"("generatedContent":"freeCreation","maskType":"autoApparelSegment")";
const std::string custom_aimodel = R"("generatedContent":"freeCreation","maskType":"custom","locationId":1)";

std::vector<guide_rule> rules()
{
  return {
    // --- Shared request shape ---
    {"input.originalImage | string(url) | Yes", R"({"agent":{"name":"aipose","version":"v1.0"},"params":{"textDescription":"x"}})",
     {"/input/originalImage"}},
    {"input.originalImage | Yes (null is absent)", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":null})"),
     {"/input/originalImage"}},
    {"input.originalImage | Yes (an empty string is absent)", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":""})"),
     {"/input/originalImage"}},
    {"input.originalImage | string(url): not a relative name", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"shirt.png"})"),
     {"/input/originalImage"}},
    {"input.originalImage | string(url): http(s)", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"ftp://x.test/a.png"})"),
     {"/input/originalImage"}},
    {"If the input image is local, upload it (weshopd does, from a file:// URL)",
     request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"file:///srv/a.png"})"), {}},
    {"input.taskName | string | No", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"https://x.test/a.png","taskName":"spring"})"), {}},
    {"input.taskName | No (an empty one is absent)", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"https://x.test/a.png","taskName":""})"), {}},
    {"input.taskName | string", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"https://x.test/a.png","taskName":5})"),
     {"/input/taskName"}},
    {"callbackUrl is weshopd's own business, not the client's",
     R"({"agent":{"name":"aipose"},"input":{"originalImage":"https://x.test/a.png"},"params":{"textDescription":"x"},"callbackUrl":"https://evil.test/"})",
     {"/callbackUrl"}},
    {"Determine the correct agent.name: a known agent", R"({"agent":{"name":"aimodels","version":"v1.0"},"input":{"originalImage":"https://x.test/a.png"}})",
     {"/agent/name"}},
    {"agent.version: a known version", R"({"agent":{"name":"aipose","version":"v9.9"},"input":{"originalImage":"https://x.test/a.png"}})",
     {"/agent/version"}},
    {"\"agent\": { \"name\": ..., \"version\": ... }", R"({"agent":"aimodel","input":{"originalImage":"https://x.test/a.png"}})",
     {"/agent"}},
    {"unknown params are refused (a typo costs money; DESIGN pins it)",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"batchcount":2})"), {"/params/batchcount"}},

    // --- batchCount: Integer, range 1-16, default 4 when omitted ---
    {"batchCount: range 1-16 (0)", request("aipose", R"({"textDescription":"sit","batchCount":0})"), {"/params/batchCount"}},
    {"batchCount: range 1-16 (17)", request("aipose", R"({"textDescription":"sit","batchCount":17})"), {"/params/batchCount"}},
    {"batchCount: range 1-16 (16)", request("aipose", R"({"textDescription":"sit","batchCount":16})"), {}},
    {"batchCount: Integer (2.0 is the integer 2)", request("aipose", R"({"textDescription":"sit","batchCount":2.0})"), {}},
    {"batchCount: Integer (2e0 is the integer 2)", request("aipose", R"({"textDescription":"sit","batchCount":2e0})"), {}},
    {"batchCount: Integer (2.5 is not)", request("aipose", R"({"textDescription":"sit","batchCount":2.5})"), {"/params/batchCount"}},
    {"batchCount: Integer (text is not)", request("aipose", R"({"textDescription":"sit","batchCount":"2"})"), {"/params/batchCount"}},
    {"batchCount: default 4 when omitted (null is omitted)", request("aipose", R"({"textDescription":"sit","batchCount":null})"), {}},

    // --- aimodel ---
    {"aimodel generatedContent | Yes",
     request("aimodel", R"({"maskType":"custom","customMaskUrl":"https://x.test/m.png","locationId":1})"), {"/params/generatedContent"}},
    {"aimodel generatedContent: freeCreation or referToOrigin",
     request("aimodel", R"({"generatedContent":"free","maskType":"autoApparelSegment","locationId":1})"), {"/params/generatedContent"}},
    {"aimodel maskType | Yes", request("aimodel", R"({"generatedContent":"freeCreation","locationId":1})"), {"/params/maskType"}},
    {"aimodel maskType: Supports autoApparelSegment, ... custom",
     request("aimodel", R"({"generatedContent":"freeCreation","maskType":"everything","locationId":1})"), {"/params/maskType"}},
    {"aimodel: Provide at least one of locationId, fashionModelId, or textDescription",
     request("aimodel", "{" + aimodel_base + "}"), {"/params"}},
    {"aimodel: at least one of ... (fashionModelId alone)", request("aimodel", "{" + aimodel_base + R"(,"fashionModelId":3})"), {}},
    {"aimodel: at least one of ... (textDescription alone)", request("aimodel", "{" + aimodel_base + R"(,"textDescription":"street"})"), {}},
    {"aimodel: at least one of ... (an empty textDescription is none)",
     request("aimodel", "{" + aimodel_base + R"(,"textDescription":""})"), {"/params"}},
    {"aimodel: at least one of ... (a null textDescription is none)",
     request("aimodel", "{" + aimodel_base + R"(,"textDescription":null})"), {"/params"}},
    {"locationId | int", request("aimodel", "{" + aimodel_base + R"(,"locationId":"12"})"), {"/params/locationId"}},
    {"locationId | int (not 1.5)", request("aimodel", "{" + aimodel_base + R"(,"locationId":1.5})"), {"/params/locationId"}},
    {"locationId: no id is negative (no value could pass)", request("aimodel", "{" + aimodel_base + R"(,"locationId":-1})"),
     {"/params/locationId"}},
    {"fashionModelId | int", request("aimodel", "{" + aimodel_base + R"(,"fashionModelId":true})"), {"/params/fashionModelId"}},
    {"negTextDescription | string | No", request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"negTextDescription":"hats"})"), {}},
    {"negTextDescription | No (null and empty are absent)",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"negTextDescription":null,"textDescription":""})"), {}},
    {"pose: originalImagePose, referenceImagePose, freePose",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"pose":"sitting"})"), {"/params/pose"}},
    {"referenceImagePose: adopt pose from the locationId reference image (none given: a warning)",
     request("aimodel", "{" + aimodel_base + R"(,"textDescription":"x","pose":"referenceImagePose"})"), {}, {"/params/locationId"}},
    {"referenceImagePose with a locationId", request("aimodel", "{" + aimodel_base + R"(,"locationId":2,"pose":"referenceImagePose"})"), {}},

    // --- customMask and customMaskUrl (aimodel, aiproduct, removeBG) ---
    {"When maskType=custom: Provide one of customMask or customMaskUrl", request("aimodel", "{" + custom_aimodel + "}"),
     {"/params/customMask"}},
    {"customMask: Required when maskType=custom and customMaskUrl is absent",
     request("aimodel", "{" + custom_aimodel + R"(,"customMask":")" + png_base64 + R"("})"), {}},
    {"customMaskUrl: Required when maskType=custom and customMask is absent",
     request("aimodel", "{" + custom_aimodel + R"(,"customMaskUrl":"https://x.test/m.png"})"), {}},
    {"Provide one of customMask or customMaskUrl (both: accepted, with a warning)",
     request("aimodel", "{" + custom_aimodel + R"(,"customMask":")" + png_base64 + R"(","customMaskUrl":"https://x.test/m.png"})"), {},
     {"/params/customMaskUrl"}},
    {"When maskType=custom (a mask with another maskType: accepted, with a warning)",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"customMaskUrl":"https://x.test/m.png"})"), {}, {"/params/customMaskUrl"}},
    {"customMask must be a base64-encoded PNG string without the data:image/png;base64, prefix",
     request("aimodel", "{" + custom_aimodel + R"(,"customMask":"data:image/png;base64,)" + png_base64 + R"("})"), {"/params/customMask"}},
    {"customMask: a base64-encoded PNG (foobar is not a PNG)", request("aimodel", "{" + custom_aimodel + R"(,"customMask":"Zm9vYmFy"})"),
     {"/params/customMask"}},
    {"customMask: base64-encoded (not base64 at all)", request("aimodel", "{" + custom_aimodel + R"(,"customMask":"%%%%"})"),
     {"/params/customMask"}},
    {"customMask: base64 (the guide says nothing of padding)",
     request("aimodel", "{" + custom_aimodel + R"(,"customMask":")" + std::string(png_base64).substr(0, std::string(png_base64).size() - 2) + R"("})"), {}},
    {"customMask: base64 (the guide says nothing of line breaks)",
     request("aimodel", "{" + custom_aimodel + R"(,"customMask":")" + std::string(png_base64).substr(0, 40) + R"(\n)" +
                          std::string(png_base64).substr(40) + R"("})"), {}},
    {"customMaskUrl must point to a publicly accessible PNG image (a URL)",
     request("aimodel", "{" + custom_aimodel + R"(,"customMaskUrl":"mask.png"})"), {"/params/customMaskUrl"}},

    // --- aiproduct ---
    {"aiproduct: Provide at least one of locationId or textDescription",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment"})"), {"/params"}},
    {"aiproduct maskType: Supports autoSubjectSegment and custom",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoHumanSegment","locationId":3})"), {"/params/maskType"}},
    {"aiproduct has no fashionModelId",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment","fashionModelId":3})"),
     {"/params/fashionModelId", "/params"}},
    {"aiproduct customMaskUrl: Required for maskType=custom when base64 is absent",
     request("aiproduct", R"({"generatedContent":"referToOrigin","maskType":"custom","textDescription":"x"})"), {"/params/customMask"}},

    // --- aipose ---
    {"aipose textDescription | string | Yes", request("aipose", R"({"generateVersion":"lite"})"), {"/params/textDescription"}},
    {"aipose textDescription | Yes (an empty one is none)", request("aipose", R"({"textDescription":""})"), {"/params/textDescription"}},
    {"aipose generateVersion: lite or pro, default lite", request("aipose", R"({"textDescription":"sit","generateVersion":"max"})"),
     {"/params/generateVersion"}},
    {"aipose generateVersion: pro", request("aipose", R"({"textDescription":"sit","generateVersion":"pro"})"), {}},

    // --- expandimage ---
    {"targetWidth | int | Yes; targetHeight | int | Yes", request("expandimage", "{}"), {"/params/targetWidth", "/params/targetHeight"}},
    {"targetHeight: Maximum 4096 (and a canvas of 0 pixels is none)", request("expandimage", R"({"targetWidth":0,"targetHeight":4097})"),
     {"/params/targetWidth", "/params/targetHeight"}},
    {"targetWidth: Maximum 4096", request("expandimage", R"({"targetWidth":4096,"targetHeight":4096})"), {}},
    {"fillLeft/fillTop: Distance from the edge (never negative)",
     request("expandimage", R"({"targetWidth":100,"targetHeight":100,"fillLeft":-1,"fillTop":-5})"), {"/params/fillLeft", "/params/fillTop"}},
    {"fillLeft/fillTop: an original wholly outside its canvas is no placement",
     request("expandimage", R"({"targetWidth":100,"targetHeight":200,"fillLeft":100,"fillTop":250})"), {"/params/fillLeft", "/params/fillTop"}},
    {"fillLeft/fillTop: at the last pixel", request("expandimage", R"({"targetWidth":100,"targetHeight":200,"fillLeft":99,"fillTop":199})"), {}},
    {"fillLeft: Defaults to centered (omitted)", request("expandimage", R"({"targetWidth":100,"targetHeight":200})"), {}},

    // --- removeBG ---
    {"removeBG: Provide at least one of backgroundId or backgroundHex", request("removeBG", R"({"maskType":"autoSubjectSegment"})"),
     {"/params"}},
    {"removeBG maskType | Yes", request("removeBG", R"({"backgroundId":2})"), {"/params/maskType"}},
    {"backgroundHex: e.g. #ced2ce", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce"})"), {}},
    {"backgroundHex: a hex color value (#ced2c is not)", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2c"})"),
     {"/params/backgroundHex"}},
    {"backgroundHex: a hex color value (blue is not)", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"blue"})"),
     {"/params/backgroundHex"}},
    {"backgroundHex: e.g. #ced2ce (without its #: accepted, with a warning)",
     request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"ced2ce"})"), {}, {"/params/backgroundHex"}},
    {"backgroundHex: a hex color value (#fff: accepted, with a warning)",
     request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#fff"})"), {}, {"/params/backgroundHex"}},
    {"backgroundId | int", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":2})"), {}},
    {"removeBG customMask: Required when maskType=custom and URL is absent", request("removeBG", R"({"maskType":"custom","backgroundId":2})"),
     {"/params/customMask"}},

    // --- virtualtryon ---
    {"generateVersion | Yes: weshopFlash, weshopPro, or bananaPro", request("virtualtryon", R"({"descriptionType":"auto"})"),
     {"/params/generateVersion"}},
    {"descriptionType | Yes: custom or auto", request("virtualtryon", R"({"generateVersion":"weshopFlash"})"), {"/params/descriptionType"}},
    {"textDescription: Required when descriptionType=custom",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"custom"})"), {"/params/textDescription"}},
    {"auto: textDescription is optional", request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto"})"), {}},
    {"aspectRatio: Valid for weshopPro and bananaPro (with weshopFlash: accepted, with a warning)",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto","aspectRatio":"1:1"})"), {}, {"/params/aspectRatio"}},
    {"aspectRatio: Valid for weshopPro", request("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"auto","aspectRatio":"21:9"})"), {}},
    {"aspectRatio: 1:1, 2:3, 3:2, 3:4, 4:3, 9:16, 16:9, 21:9",
     request("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"auto","aspectRatio":"5:4"})"), {"/params/aspectRatio"}},
    {"imageSize: Required when generateVersion=bananaPro", request("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto"})"),
     {"/params/imageSize"}},
    {"imageSize: 1K, 2K, 4K", request("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto","imageSize":"8K"})"),
     {"/params/imageSize"}},
    {"imageSize: 4K", request("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto","imageSize":"4K"})"), {}},
    {"input.fashionModelImage / input.locationImage | string(url)",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto"})",
             R"({"originalImage":"https://x.test/a.png","fashionModelImage":"person.png","locationImage":7})"),
     {"/input/fashionModelImage", "/input/locationImage"}},
    {"Additional input fields exist for certain agents (not aimodel)",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1})",
             R"({"originalImage":"https://x.test/a.png","fashionModelImage":"https://x.test/b.png"})"),
     {"/input/fashionModelImage"}},
  };
}

} // namespace

TEST(GuideRules, EachRuleAcceptsRefusesOrWarnsAtItsPointer)
{
  for (const auto& r : rules()) {
    const auto got = check(r.body);
    EXPECT_EQ(got.errors, r.errors) << r.guide << "\n  " << r.body;
    EXPECT_EQ(got.warnings, r.warnings) << r.guide << "\n  " << r.body;
  }
}

TEST(GuideRules, WarningsSayWhatTheyMean)
{
  const auto request_json =
    json::parse(request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"customMaskUrl":"https://x.test/m.png"})"));
  const auto w = warnings(request_json);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].pointer, "/params/customMaskUrl");
  EXPECT_NE(w[0].message.find("used only when maskType is custom"), std::string::npos) << w[0].message;
}

TEST(Canonical, IntegersAreIntegersAndNullsAndEmptiesAreAbsent)
{
  auto r = json::parse(R"({"agent":{"name":"aimodel","version":"v1.0"},
    "input":{"originalImage":"https://x.test/a.png","taskName":""},
    "params":{"generatedContent":"freeCreation","maskType":"autoApparelSegment","batchCount":2.0,
              "locationId":1e0,"negTextDescription":null,"textDescription":"","fashionModelId":18446744073709551615,
              "pose":"freePose"}})").as_object();
  canonicalize(r);
  EXPECT_EQ(json::serialize(r.at("input")), R"({"originalImage":"https://x.test/a.png"})");
  // Order kept; 2.0 and 1e0 are integers; a uint64 beyond int64 stays for validate() to refuse.
  EXPECT_EQ(json::serialize(r.at("params")),
            R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","batchCount":2,"locationId":1,)"
            R"("fashionModelId":18446744073709551615,"pose":"freePose"})");
  EXPECT_TRUE(r.at("params").at("batchCount").is_int64());
}

TEST(Canonical, AFractionStaysForValidateToRefuse)
{
  auto r = json::parse(request("aipose", R"({"textDescription":"sit","batchCount":2.5,"x":1e300})")).as_object();
  canonicalize(r);
  EXPECT_TRUE(r.at("params").at("batchCount").is_double());
  EXPECT_TRUE(r.at("params").at("x").is_double());
}

TEST(Canonical, IsIdempotent)
{
  auto once = json::parse(request("aipose", R"({"textDescription":"sit","batchCount":16.0,"generateVersion":null})")).as_object();
  canonicalize(once);
  auto twice = once;
  canonicalize(twice);
  EXPECT_EQ(once, twice);
}

TEST(Canonical, TheBudgetPricesTheCanonicalValue)
{
  auto r = json::parse(request("aipose", R"({"textDescription":"sit","batchCount":2.0})")).as_object();
  canonicalize(r);
  EXPECT_EQ(weshopd::budget::budget_policy::images_of(r.at("params").as_object()), 2);
}
