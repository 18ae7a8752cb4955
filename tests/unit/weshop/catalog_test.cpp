// Every agent accepts the request the guide documents for it, and the catalog
// serialises as GET /v1/agents will serve it.

#include "weshop/catalog.hpp"
#include "weshop/catalog_json.hpp"
#include "weshop/validate.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace weshopd::weshop;
namespace json = boost::json;

namespace {

struct documented_example {
  const char* agent;
  const char* body;
};

// From shared/weshop-api.md: the guide's minimal runnable example (aimodel)
// and, for the others, a request built from each agent's param table.
const documented_example examples[] = {
  {"aimodel", R"({"agent":{"name":"aimodel","version":"v1.0"},
      "input":{"taskName":"agent-native-sample","originalImage":"https://ai-image.weshop.ai/example.png"},
      "params":{"generatedContent":"freeCreation","maskType":"autoApparelSegment",
                "textDescription":"street style fashion photo","batchCount":1}})"},
  {"aiproduct", R"({"agent":{"name":"aiproduct","version":"v1.0"},
      "input":{"originalImage":"https://ai-image.weshop.ai/bottle.png"},
      "params":{"generatedContent":"referToOrigin","maskType":"autoSubjectSegment","locationId":12,
                "negTextDescription":"text, watermark"}})"},
  {"aipose", R"({"agent":{"name":"aipose","version":"v1.0"},
      "input":{"originalImage":"https://ai-image.weshop.ai/model.png"},
      "params":{"textDescription":"hands on hips, looking left","generateVersion":"pro","batchCount":2}})"},
  {"expandimage", R"({"agent":{"name":"expandimage","version":"v1.0"},
      "input":{"originalImage":"https://ai-image.weshop.ai/model.png"},
      "params":{"targetWidth":2048,"targetHeight":4096,"fillLeft":512,"fillTop":0}})"},
  {"removeBG", R"({"agent":{"name":"removeBG","version":"v1.0"},
      "input":{"originalImage":"https://ai-image.weshop.ai/shoe.png"},
      "params":{"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce"}})"},
  {"virtualtryon", R"({"agent":{"name":"virtualtryon","version":"v1.0"},
      "input":{"originalImage":"https://ai-image.weshop.ai/shirt.png",
               "fashionModelImage":"https://ai-image.weshop.ai/person.png",
               "locationImage":"https://ai-image.weshop.ai/beach.png"},
      "params":{"generateVersion":"bananaPro","descriptionType":"custom",
                "textDescription":"the person of Figure 2 wears Figure 1 on Figure 3","aspectRatio":"3:4",
                "imageSize":"2K","batchCount":4}})"},
};

} // namespace

TEST(Catalog, HasTheSixAgentsAtV1)
{
  std::vector<std::string> names;
  for (const auto& a : catalog()) {
    names.emplace_back(a.name);
    EXPECT_EQ(a.version, "v1.0");
    const auto* batch = a.find_param("batchCount");
    ASSERT_NE(batch, nullptr) << a.name;
    EXPECT_EQ(batch->min, 1);
    EXPECT_EQ(batch->max, 16);
    EXPECT_EQ(batch->default_value, json::value(4));
    ASSERT_NE(a.find_input("originalImage"), nullptr);
    EXPECT_TRUE(a.find_input("originalImage")->required);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"aimodel", "aiproduct", "aipose", "expandimage", "removeBG",
                                             "virtualtryon"}));
}

TEST(Catalog, EveryAgentAcceptsItsDocumentedExample)
{
  for (const auto& ex : examples) {
    const auto v = validate(json::parse(ex.body));
    EXPECT_TRUE(v.empty()) << ex.agent << ": " << (v.empty() ? "" : v[0].pointer + " " + v[0].message);
  }
}

TEST(Catalog, VersionMayBeOmitted)
{
  EXPECT_TRUE(validate(json::parse(R"({"agent":{"name":"aipose"},"input":{"originalImage":"/srv/in/a.png"},
                                        "params":{"textDescription":"sit"}})"))
                .empty());
}

TEST(Catalog, SerialisesForTheAgentsRoute)
{
  const auto doc = catalog_to_json();
  const auto& agents = doc.at("agents").as_array();
  ASSERT_EQ(agents.size(), 6u);
  const auto& aiproduct = agents[1].as_object();
  EXPECT_EQ(aiproduct.at("name"), "aiproduct");
  EXPECT_EQ(aiproduct.at("version"), "v1.0");
  // An agent lists only the values it accepts.
  for (const auto& p : aiproduct.at("params").as_array()) {
    if (p.at("name") == "maskType") {
      EXPECT_EQ(p.at("values"), json::parse(R"(["autoSubjectSegment","custom"])"));
      EXPECT_EQ(p.at("type"), "enum");
      EXPECT_EQ(p.at("required"), true);
    }
    if (p.at("name") == "batchCount") {
      EXPECT_EQ(p.at("min"), 1);
      EXPECT_EQ(p.at("max"), 16);
      EXPECT_EQ(p.at("default"), 4);
    }
  }
  const auto& rules = aiproduct.at("rules").as_array();
  ASSERT_FALSE(rules.empty());
  EXPECT_EQ(rules[0], "at least one of locationId or textDescription is required");
  // What the guide is silent on is advice, listed apart: the request still goes.
  const auto& advice = aiproduct.at("warnings").as_array();
  ASSERT_EQ(advice.size(), 2u);
  EXPECT_EQ(advice[1], "customMask and customMaskUrl are used only when maskType is custom");
  // Round-trips through text.
  EXPECT_EQ(json::parse(json::serialize(doc)), doc);
}
