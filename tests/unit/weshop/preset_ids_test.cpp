// Preset ids against agent info: "call GET /openapi/v1/agent/info ... to fetch valid values".

#include "weshop/preset_ids.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace weshopd::weshop;
namespace json = boost::json;

namespace {

const json::value info = json::parse(R"({"agentName":"aimodel","agentVersion":"v1.0",
  "locations":[{"id":1,"name":"Street"},{"id":2,"name":"Beach"},{"id":"3","name":"Loft"}],
  "fashionModels":[{"id":7,"name":"Ada"}]})");

} // namespace

TEST(PresetIds, OnlyJobsWithPresetIdsNeedTheInfo)
{
  EXPECT_FALSE(has_preset_ids(json::parse(R"({"textDescription":"x"})").as_object()));
  EXPECT_TRUE(has_preset_ids(json::parse(R"({"backgroundId":2})").as_object()));
}

TEST(PresetIds, AnOfferedIdPassesAndOthersAreRefusedWithTheCount)
{
  const auto ok = check_preset_ids(json::parse(R"({"locationId":3,"fashionModelId":7})").as_object(), info);
  EXPECT_TRUE(ok.refused.empty());
  EXPECT_TRUE(ok.unchecked.empty());

  const auto bad = check_preset_ids(json::parse(R"({"locationId":12,"fashionModelId":7})").as_object(), info);
  ASSERT_EQ(bad.refused.size(), 1u);
  EXPECT_EQ(bad.refused[0].pointer, "/params/locationId");
  EXPECT_NE(bad.refused[0].message.find("3 locations"), std::string::npos) << bad.refused[0].message;
}

TEST(PresetIds, AListTheInfoLacksIsUncheckedNotRefused)
{
  const auto v = check_preset_ids(json::parse(R"({"backgroundId":2})").as_object(), info);
  EXPECT_TRUE(v.refused.empty());
  ASSERT_EQ(v.unchecked.size(), 1u);
  EXPECT_EQ(v.unchecked[0].pointer, "/params/backgroundId");
}

TEST(PresetIds, UncheckedNamesEveryPresetIdWithWhy)
{
  const auto v = unchecked_preset_ids(json::parse(R"({"locationId":1,"fashionModelId":2,"pose":"freePose"})").as_object(),
                                      "it could not be fetched");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NE(v[0].message.find("it could not be fetched"), std::string::npos);
}
