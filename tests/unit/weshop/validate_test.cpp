// Every rule of the catalog has a failing case, reported at its pointer.

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

std::multiset<std::string> pointers(const std::string& body)
{
  std::multiset<std::string> out;
  for (const auto& v : validate(json::parse(body))) {
    EXPECT_FALSE(v.message.empty()) << v.pointer;
    out.insert(v.pointer);
  }
  return out;
}

struct rule_case {
  const char* what;
  std::string body;
  std::multiset<std::string> expected;
};

const std::string aimodel_base = R"("generatedContent":"freeCreation","maskType":"autoApparelSegment")";

std::vector<rule_case> cases()
{
  return {
    // aimodel
    {"aimodel needs locationId, fashionModelId or textDescription", request("aimodel", "{" + aimodel_base + "}"),
     {"/params"}},
    {"aimodel accepts fashionModelId alone", request("aimodel", "{" + aimodel_base + R"(,"fashionModelId":7})"), {}},
    {"generatedContent required", request("aimodel", R"({"maskType":"custom","customMaskUrl":"https://x.test/m.png","locationId":1})"),
     {"/params/generatedContent"}},
    {"maskType out of enum", request("aimodel", R"({"generatedContent":"freeCreation","maskType":"everything","locationId":1})"),
     {"/params/maskType"}},
    {"pose out of enum", request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"pose":"sitting"})"), {"/params/pose"}},
    {"custom mask needs one of customMask/customMaskUrl",
     request("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1})"),
     {"/params/customMask"}},
    {"custom mask takes exactly one",
     request("aimodel", std::string(R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1,"customMask":")") +
                          png_base64 + R"(","customMaskUrl":"https://x.test/m.png"})"),
     {"/params/customMask"}},
    {"custom mask with base64 is fine",
     request("aimodel", std::string(R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1,"customMask":")") +
                          png_base64 + R"("})"),
     {}},
    {"customMask only with maskType=custom",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"customMaskUrl":"https://x.test/m.png"})"),
     {"/params/customMask"}},
    {"customMask with a data: prefix",
     request("aimodel", std::string(R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1,"customMask":"data:image/png;base64,)") +
                          png_base64 + R"("})"),
     {"/params/customMask"}},
    {"customMask that is not a PNG",
     request("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1,"customMask":"Zm9vYmFy"})"),
     {"/params/customMask"}},
    {"customMaskUrl not a URL",
     request("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","locationId":1,"customMaskUrl":"mask.png"})"),
     {"/params/customMaskUrl"}},
    {"locationId not an integer", request("aimodel", "{" + aimodel_base + R"(,"locationId":"12"})"), {"/params/locationId"}},
    {"locationId fractional", request("aimodel", "{" + aimodel_base + R"(,"locationId":1.5})"), {"/params/locationId"}},
    {"textDescription empty counts as present but invalid",
     request("aimodel", "{" + aimodel_base + R"(,"textDescription":""})"), {"/params/textDescription"}},
    {"null counts as absent", request("aimodel", "{" + aimodel_base + R"(,"textDescription":null})"), {"/params"}},
    {"unknown param is a violation (a typo must not cost money)",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1,"batchcount":2})"), {"/params/batchcount"}},
    // batchCount everywhere
    {"batchCount 0", request("aipose", R"({"textDescription":"sit","batchCount":0})"), {"/params/batchCount"}},
    {"batchCount 17", request("aipose", R"({"textDescription":"sit","batchCount":17})"), {"/params/batchCount"}},
    {"batchCount 16 and 1.0 are fine", request("aipose", R"({"textDescription":"sit","batchCount":16.0})"), {}},
    // aiproduct
    {"aiproduct needs locationId or textDescription",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment"})"), {"/params"}},
    {"aiproduct does not take aimodel's mask types",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoHumanSegment","locationId":3})"),
     {"/params/maskType"}},
    {"aiproduct has no fashionModelId",
     request("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment","fashionModelId":3})"),
     {"/params/fashionModelId", "/params"}},
    // aipose
    {"aipose needs textDescription", request("aipose", R"({"generateVersion":"lite"})"), {"/params/textDescription"}},
    {"aipose generateVersion enum", request("aipose", R"({"textDescription":"sit","generateVersion":"max"})"),
     {"/params/generateVersion"}},
    // expandimage
    {"expandimage needs both sizes", request("expandimage", "{}"), {"/params/targetWidth", "/params/targetHeight"}},
    {"expandimage sizes within 1..4096", request("expandimage", R"({"targetWidth":0,"targetHeight":4097})"),
     {"/params/targetWidth", "/params/targetHeight"}},
    {"fill offsets non-negative", request("expandimage", R"({"targetWidth":100,"targetHeight":100,"fillLeft":-1,"fillTop":-5})"),
     {"/params/fillLeft", "/params/fillTop"}},
    {"fill offsets inside the canvas",
     request("expandimage", R"({"targetWidth":100,"targetHeight":200,"fillLeft":100,"fillTop":250})"),
     {"/params/fillLeft", "/params/fillTop"}},
    {"fill offsets at the last pixel are fine",
     request("expandimage", R"({"targetWidth":100,"targetHeight":200,"fillLeft":99,"fillTop":199})"), {}},
    // removeBG
    {"removeBG needs backgroundId or backgroundHex", request("removeBG", R"({"maskType":"autoSubjectSegment"})"), {"/params"}},
    {"backgroundHex must be #rrggbb", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"#ced2c"})"),
     {"/params/backgroundHex"}},
    {"backgroundHex without #", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"ced2ce"})"),
     {"/params/backgroundHex"}},
    {"backgroundId alone is fine", request("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":2})"), {}},
    {"removeBG custom mask rule", request("removeBG", R"({"maskType":"custom","backgroundId":2})"), {"/params/customMask"}},
    // virtualtryon
    {"descriptionType=custom needs textDescription",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"custom"})"),
     {"/params/textDescription"}},
    {"descriptionType=auto does not", request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto"})"), {}},
    {"aspectRatio only with weshopPro/bananaPro",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto","aspectRatio":"1:1"})"),
     {"/params/aspectRatio"}},
    {"aspectRatio with weshopPro is fine",
     request("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"auto","aspectRatio":"21:9"})"), {}},
    {"aspectRatio enum", request("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"auto","aspectRatio":"5:4"})"),
     {"/params/aspectRatio"}},
    {"bananaPro needs imageSize", request("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto"})"),
     {"/params/imageSize"}},
    {"imageSize enum", request("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto","imageSize":"8K"})"),
     {"/params/imageSize"}},
    {"virtualtryon extra image inputs must be images",
     request("virtualtryon", R"({"generateVersion":"weshopFlash","descriptionType":"auto"})",
             R"({"originalImage":"https://x.test/a.png","fashionModelImage":"person.png","locationImage":7})"),
     {"/input/fashionModelImage", "/input/locationImage"}},
    // shared shape
    {"missing input", R"({"agent":{"name":"aipose","version":"v1.0"},"params":{"textDescription":"x"}})",
     {"/input/originalImage"}},
    {"originalImage null", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":null})"),
     {"/input/originalImage"}},
    {"originalImage relative path", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"shirt.png"})"),
     {"/input/originalImage"}},
    {"originalImage as file URL is fine", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"file:///srv/a.png"})"),
     {}},
    {"originalImage ftp URL", request("aipose", R"({"textDescription":"x"})", R"({"originalImage":"ftp://x.test/a.png"})"),
     {"/input/originalImage"}},
    {"fashionModelImage is not an aimodel input",
     request("aimodel", "{" + aimodel_base + R"(,"locationId":1})",
             R"({"originalImage":"https://x.test/a.png","fashionModelImage":"https://x.test/b.png"})"),
     {"/input/fashionModelImage"}},
    {"unknown agent", R"({"agent":{"name":"aimodels","version":"v1.0"},"input":{"originalImage":"https://x.test/a.png"}})",
     {"/agent/name"}},
    {"unknown version", R"({"agent":{"name":"aipose","version":"v9.9"},"input":{"originalImage":"https://x.test/a.png"}})", {"/agent/version"}},
    {"agent not an object", R"({"agent":"aimodel","input":{"originalImage":"https://x.test/a.png"}})", {"/agent"}},
    {"callbackUrl is weshopd's business, not the client's",
     R"({"agent":{"name":"aipose"},"input":{"originalImage":"https://x.test/a.png"},"params":{"textDescription":"x"},"callbackUrl":"https://evil.test/"})",
     {"/callbackUrl"}},
  };
}

} // namespace

TEST(Validate, EveryRuleFailsAtItsPointer)
{
  for (const auto& c : cases())
    EXPECT_EQ(pointers(c.body), c.expected) << c.what << "\n  " << c.body;
}

TEST(Validate, ReportsEveryBrokenRuleAtOnce)
{
  // Three rules broken: at-least-one-of, custom mask, batchCount range.
  const auto body = request("aimodel", R"({"generatedContent":"freeCreation","maskType":"custom","batchCount":99})");
  EXPECT_EQ(pointers(body), (std::multiset<std::string>{"/params", "/params/customMask", "/params/batchCount"}));
}

TEST(Validate, PointersEscapeTildeAndSlash)
{
  const auto body = request("aipose", R"({"textDescription":"x","a/b~c":1})");
  EXPECT_EQ(pointers(body), (std::multiset<std::string>{"/params/a~1b~0c"}));
}

TEST(Validate, MessagesSayWhatIsExpected)
{
  const auto v = validate(json::parse(request("aipose", R"({"textDescription":"x","batchCount":40})")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message, "must be between 1 and 16");
}
