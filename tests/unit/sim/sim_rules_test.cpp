// weshop-sim's own rules (tests/sim/sim_rules) against hand-written requests,
// never weshopd's validate(): each rule of the guide accepts one case and
// refuses another. Then the run markers sim:partial and sim:short=K through
// sim_state's clock, and the record of received run requests.

#include "sim_api.hpp"
#include "sim_rules.hpp"
#include "sim_state.hpp"

#include <boost/json.hpp>
#include <boost/url/url.hpp>
#include <gtest/gtest.h>

using namespace weshop_sim;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string image = R"({"originalImage":"https://x.test/a.png"})";

std::string body(std::string_view agent, std::string_view params, std::string_view input = image,
                 std::string_view extra = "")
{
  return std::string(R"({"agent":{"name":")") + std::string(agent) + R"(","version":"v1.0"},"input":)" +
         std::string(input) + R"(,"params":)" + std::string(params) + std::string(extra) + "}";
}

std::vector<std::string> problems_of(const std::string& text)
{
  return check_run_request(json::parse(text).as_object());
}

// A valid params object per agent, with `more` members added.
std::string params(std::string_view agent, std::string_view more = "")
{
  static const std::map<std::string_view, std::string> base{
    {"aimodel", R"("generatedContent":"freeCreation","maskType":"autoApparelSegment","textDescription":"street")"},
    {"aiproduct", R"("generatedContent":"referToOrigin","maskType":"autoSubjectSegment","locationId":1)"},
    {"aipose", R"("textDescription":"sit")"},
    {"expandimage", R"("targetWidth":2048,"targetHeight":2048)"},
    {"removeBG", R"("maskType":"autoSubjectSegment","backgroundHex":"#ced2ce")"},
    {"virtualtryon", R"("generateVersion":"weshopFlash","descriptionType":"auto")"},
  };
  return "{" + base.at(agent) + (more.empty() ? "" : ",") + std::string(more) + "}";
}

struct rule_case {
  std::string name;
  std::string body;
  std::string refused_at; // the pointer a problem must start with; empty: accepted
};

// The base64 of a 1x1 PNG.
const std::string png_b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

std::vector<rule_case> cases()
{
  const auto custom = [](std::string_view agent, std::string_view more) {
    std::string p = params(agent);
    const auto at = p.find("\"maskType\":\"");
    const auto end = p.find('"', at + 12);
    p.replace(at, end - at + 1, "\"maskType\":\"custom\"");
    if (!more.empty())
      p.insert(p.size() - 1, "," + std::string(more));
    return body(agent, p);
  };
  return {
    // Shared shape
    {"the guide's minimal example", R"({"agent":{"name":"aimodel","version":"v1.0"},
       "input":{"taskName":"agent-native-sample","originalImage":"https://ai-image.weshop.ai/example.png"},
       "params":{"generatedContent":"freeCreation","maskType":"autoApparelSegment",
                 "textDescription":"street style fashion photo","batchCount":1}})", ""},
    {"unknown agent", body("aiphoto", "{}"), "/agent/name"},
    {"unknown version", R"({"agent":{"name":"aipose","version":"v2.0"},"input":)" + image + R"(,"params":{"textDescription":"x"}})",
     "/agent/version"},
    {"no version", R"({"agent":{"name":"aipose"},"input":)" + image + R"(,"params":{"textDescription":"x"}})",
     "/agent/version"},
    {"unknown top-level key", body("aipose", params("aipose"), image, R"(,"priority":1)"), "/priority"},
    {"params missing", R"({"agent":{"name":"aipose","version":"v1.0"},"input":)" + image + "}", "/params"},
    {"params an array", body("aipose", "[]"), "/params"},
    {"originalImage missing", body("aipose", params("aipose"), "{}"), "/input/originalImage"},
    {"originalImage a local path", body("aipose", params("aipose"), R"({"originalImage":"/home/me/a.png"})"),
     "/input/originalImage"},
    {"originalImage ftp", body("aipose", params("aipose"), R"({"originalImage":"ftp://x.test/a.png"})"),
     "/input/originalImage"},
    {"taskName a string", body("aipose", params("aipose"), R"({"originalImage":"https://x.test/a.png","taskName":"t"})"), ""},
    {"taskName a number", body("aipose", params("aipose"), R"({"originalImage":"https://x.test/a.png","taskName":5})"),
     "/input/taskName"},
    {"unknown input key", body("aipose", params("aipose"), R"({"originalImage":"https://x.test/a.png","mask":"x"})"),
     "/input/mask"},
    {"unknown params key", body("aipose", params("aipose", R"("batchcount":2)")), "/params/batchcount"},
    {"callbackUrl https", body("aipose", params("aipose"), image, R"(,"callbackUrl":"https://cb.test/x")"), ""},
    {"callbackUrl javascript:", body("aipose", params("aipose"), image, R"x(,"callbackUrl":"javascript:alert(1)")x"),
     "/callbackUrl"},
    {"callbackUrl null", body("aipose", params("aipose"), image, R"(,"callbackUrl":null)"), "/callbackUrl"},
    // null is not a value of any field
    {"null param", body("aimodel", params("aimodel", R"("negTextDescription":null)")), "/params/negTextDescription"},
    {"null batchCount", body("aipose", params("aipose", R"("batchCount":null)")), "/params/batchCount"},
    {"null input", body("aipose", params("aipose"), R"({"originalImage":"https://x.test/a.png","taskName":null})"),
     "/input/taskName"},
    {"empty text", body("aipose", R"({"textDescription":""})"), "/params/textDescription"},
    // batchCount: "Integer, range 1-16"
    {"batchCount 2", body("aipose", params("aipose", R"("batchCount":2)")), ""},
    {"batchCount 16", body("aipose", params("aipose", R"("batchCount":16)")), ""},
    {"batchCount 2.0", body("aipose", params("aipose", R"("batchCount":2.0)")), "/params/batchCount"},
    {"batchCount 1.6E1", body("aipose", params("aipose", R"("batchCount":1.6E1)")), "/params/batchCount"},
    {"batchCount \"2\"", body("aipose", params("aipose", R"("batchCount":"2")")), "/params/batchCount"},
    {"batchCount 0", body("aipose", params("aipose", R"("batchCount":0)")), "/params/batchCount"},
    {"batchCount 17", body("aipose", params("aipose", R"("batchCount":17)")), "/params/batchCount"},
    // aimodel
    {"aimodel pose", body("aimodel", params("aimodel", R"("pose":"freePose")")), ""},
    {"aimodel pose unknown", body("aimodel", params("aimodel", R"("pose":"sitting")")), "/params/pose"},
    {"aimodel without location, model or text",
     body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment"})"), "/params"},
    {"aimodel fashionModelId alone",
     body("aimodel", R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","fashionModelId":3})"), ""},
    {"aimodel generatedContent missing", body("aimodel", R"({"maskType":"autoApparelSegment","locationId":1})"),
     "/params/generatedContent"},
    // aiproduct
    {"aiproduct without location or text",
     body("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment"})"), "/params"},
    {"aiproduct text alone",
     body("aiproduct", R"({"generatedContent":"freeCreation","maskType":"autoSubjectSegment","textDescription":"x"})"), ""},
    {"aiproduct has no fashionModelId", body("aiproduct", params("aiproduct", R"("fashionModelId":1)")),
     "/params/fashionModelId"},
    {"aiproduct maskType outside its two", body("aiproduct",
     R"({"generatedContent":"freeCreation","maskType":"autoApparelSegment","locationId":1})"), "/params/maskType"},
    // removeBG
    {"removeBG with neither background", body("removeBG", R"({"maskType":"autoSubjectSegment"})"), "/params"},
    {"removeBG backgroundId alone", body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":2})"), ""},
    {"removeBG hex without #", body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundHex":"ced2ce"})"),
     "/params/backgroundHex"},
    // custom masks: "Provide one of customMask or customMaskUrl"
    {"custom mask: neither", custom("aimodel", ""), "/params"},
    {"custom mask: url", custom("aimodel", R"("customMaskUrl":"https://x.test/m.png")"), ""},
    {"custom mask: base64 PNG", custom("aiproduct", "\"customMask\":\"" + png_b64 + "\""), ""},
    {"custom mask: both", custom("removeBG", "\"customMask\":\"" + png_b64 + R"(","customMaskUrl":"https://x.test/m.png")"), ""},
    {"custom mask: base64 without padding", custom("aimodel", "\"customMask\":\"" + png_b64.substr(0, png_b64.size() - 2) + "\""), ""},
    {"custom mask: not base64", custom("aimodel", R"("customMask":"%%%%")"), "/params/customMask"},
    {"custom mask: not a PNG", custom("aimodel", R"("customMask":"Zm9vYmFy")"), "/params/customMask"},
    {"custom mask: data: prefix", custom("aimodel", "\"customMask\":\"data:image/png;base64," + png_b64 + "\""),
     "/params/customMask"},
    {"custom mask: url not a URL", custom("aimodel", R"("customMaskUrl":"mask.png")"), "/params/customMaskUrl"},
    {"mask with another maskType is ignored", body("aimodel", params("aimodel", R"("customMaskUrl":"https://x.test/m.png")")), ""},
    // aipose
    {"aipose without text", body("aipose", "{}"), "/params/textDescription"},
    {"aipose pro", body("aipose", params("aipose", R"("generateVersion":"pro")")), ""},
    {"aipose max", body("aipose", params("aipose", R"("generateVersion":"max")")), "/params/generateVersion"},
    // expandimage: "Maximum 4096"
    {"expandimage 4096", body("expandimage", R"({"targetWidth":4096,"targetHeight":1})"), ""},
    {"expandimage 4097", body("expandimage", R"({"targetWidth":4097,"targetHeight":1})"), "/params/targetWidth"},
    {"expandimage 0", body("expandimage", R"({"targetWidth":100,"targetHeight":0})"), "/params/targetHeight"},
    {"expandimage height missing", body("expandimage", R"({"targetWidth":100})"), "/params/targetHeight"},
    {"expandimage fill 0", body("expandimage", params("expandimage", R"("fillLeft":0,"fillTop":12)")), ""},
    {"expandimage fill -1", body("expandimage", params("expandimage", R"("fillLeft":-1)")), "/params/fillLeft"},
    {"expandimage fill 1.5", body("expandimage", params("expandimage", R"("fillTop":1.5)")), "/params/fillTop"},
    // virtualtryon
    {"tryon references", body("virtualtryon", params("virtualtryon"),
     R"({"originalImage":"https://x.test/a.png","fashionModelImage":"https://x.test/p.png","locationImage":"http://x.test/l.png"})"), ""},
    {"tryon reference not a URL", body("virtualtryon", params("virtualtryon"),
     R"({"originalImage":"https://x.test/a.png","locationImage":"beach.png"})"), "/input/locationImage"},
    {"aipose has no fashionModelImage", body("aipose", params("aipose"),
     R"({"originalImage":"https://x.test/a.png","fashionModelImage":"https://x.test/p.png"})"), "/input/fashionModelImage"},
    {"descriptionType custom without text",
     body("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"custom"})"), "/params/textDescription"},
    {"descriptionType custom with text",
     body("virtualtryon", R"({"generateVersion":"weshopPro","descriptionType":"custom","textDescription":"Figure 1"})"), ""},
    {"bananaPro without imageSize", body("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto"})"),
     "/params/imageSize"},
    {"bananaPro with imageSize",
     body("virtualtryon", R"({"generateVersion":"bananaPro","descriptionType":"auto","imageSize":"2K","aspectRatio":"21:9"})"), ""},
    {"imageSize 8K", body("virtualtryon", params("virtualtryon", R"("imageSize":"8K")")), "/params/imageSize"},
    {"aspectRatio 5:4", body("virtualtryon", params("virtualtryon", R"("aspectRatio":"5:4")")), "/params/aspectRatio"},
    {"generateVersion missing", body("virtualtryon", R"({"descriptionType":"auto"})"), "/params/generateVersion"},
    // preset ids: 1-5 as GET /openapi/v1/agent/info lists them
    {"locationId 5", body("aiproduct", R"({"generatedContent":"referToOrigin","maskType":"autoSubjectSegment","locationId":5})"), ""},
    {"locationId 6", body("aimodel", params("aimodel", R"("locationId":6)")), "/params/locationId"},
    {"locationId 0", body("aimodel", params("aimodel", R"("locationId":0)")), "/params/locationId"},
    {"locationId 1.0", body("aimodel", params("aimodel", R"("locationId":1.0)")), "/params/locationId"},
    {"locationId \"1\"", body("aimodel", params("aimodel", R"("locationId":"1")")), "/params/locationId"},
    {"fashionModelId 6", body("aimodel", params("aimodel", R"("fashionModelId":6)")), "/params/fashionModelId"},
    {"backgroundId 6", body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":6})"), "/params/backgroundId"},
    {"backgroundId 12", body("removeBG", R"({"maskType":"autoSubjectSegment","backgroundId":12})"), "/params/backgroundId"},
  };
}

} // namespace

TEST(SimRules, EachRuleAcceptsAndRefuses)
{
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto problems = problems_of(c.body);
    if (c.refused_at.empty()) {
      EXPECT_TRUE(problems.empty()) << join_problems(problems);
      continue;
    }
    const bool named = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
      return p.starts_with(c.refused_at + " ");
    });
    EXPECT_TRUE(named) << "expected a problem at " << c.refused_at << ", got: " << join_problems(problems);
  }
}

TEST(SimRules, EveryProblemIsAPointerAndWhatIsWrong)
{
  const auto problems = problems_of(body("aimodel", R"({"maskType":"custom","batchCount":2.0,"extra":null})"));
  ASSERT_GE(problems.size(), 4u);
  for (const auto& p : problems)
    EXPECT_TRUE(p.starts_with("/params")) << p;
  EXPECT_NE(join_problems(problems).find("/params/batchCount must be a JSON integer such as 2, not a number written with a fraction or exponent; "), std::string::npos)
    << join_problems(problems);
  // The conditionals quote the guide.
  EXPECT_NE(join_problems(problems).find("Provide at least one of locationId, fashionModelId, or textDescription"),
            std::string::npos);
}

TEST(SimRules, AgentInfoListsExactlyThePresetsRunsAccept)
{
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> expected{
    {"aimodel", {{"locations", "locationId"}, {"fashionModels", "fashionModelId"}}},
    {"aiproduct", {{"locations", "locationId"}}},
    {"removeBG", {{"backgrounds", "backgroundId"}}},
    {"aipose", {}}, {"expandimage", {}}, {"virtualtryon", {}}};
  for (const auto& [agent, lists] : expected) {
    SCOPED_TRACE(agent);
    const auto info = agent_info(boost::urls::url("/?agentName=" + agent + "&agentVersion=v1.0").params());
    ASSERT_EQ(info.status, 200u);
    const auto& data = info.body.at("data").as_object();
    EXPECT_EQ(data.size(), 2 + lists.size()); // agentName, agentVersion and the lists
    for (const auto& [key, param] : lists) {
      const auto& items = data.at(key).as_array();
      ASSERT_EQ(items.size(), 5u);
      for (std::size_t i = 0; i < items.size(); ++i)
        EXPECT_EQ(items[i].at("id"), static_cast<std::int64_t>(i + 1));
    }
  }
  EXPECT_EQ(agent_info(boost::urls::url("/?agentName=aimodel&agentVersion=v9").params()).status, 400u);
  EXPECT_EQ(agent_info(boost::urls::url("/?agentName=aimodel").params()).status, 400u);
}

TEST(SimRules, StartRunAnswersTheGuidesEnvelopes)
{
  sim_state state(1, timing{}, 0);
  const auto refused = start_run(state, body("aipose", params("aipose", R"("batchCount":2.0)")));
  EXPECT_EQ(refused.status, 400u);
  EXPECT_EQ(refused.body.at("success"), false);
  EXPECT_EQ(refused.body.at("error").at("code"), "INVALID_PARAMS");
  EXPECT_EQ(refused.body.at("error").at("retryable"), false);
  EXPECT_EQ(refused.started, nullptr);
  EXPECT_EQ(start_run(state, "[1]").body.at("error").at("code"), "INVALID_REQUEST");

  const auto accepted = start_run(state, body("aipose", params("aipose", R"("batchCount":2)")));
  ASSERT_EQ(accepted.status, 200u);
  ASSERT_NE(accepted.started, nullptr);
  EXPECT_EQ(accepted.body.at("success"), true);
  EXPECT_EQ(accepted.body.at("meta").at("executionId"), json::value(accepted.started->id));
  EXPECT_EQ(accepted.started->batch_count, 2);
}

namespace {

const sim_run& make_run(sim_state& state, std::string_view task, int batch)
{
  return state.create_run("aipose", "v1.0", {{"originalImage", "https://x.test/a.png"}, {"taskName", task}},
                          {{"textDescription", "sit"}, {"batchCount", batch}}, "");
}

std::vector<std::string> statuses(const json::array& items)
{
  std::vector<std::string> out;
  for (const auto& item : items)
    out.emplace_back(item.at("status").as_string());
  return out;
}

} // namespace

TEST(SimMarkers, PartialResultsAppearOneByOneWhileRunning)
{
  const timing t{10ms, 10ms, 500ms};
  sim_state state(1, t, 0);
  state.set_images_base("https://images.test");
  const auto& run = make_run(state, "demo sim:partial", 4);
  const auto running = run.created + t.pending + t.segmenting;
  const auto data_at = [&](steady::duration after) {
    return state.run_data(run, running + after, false).at("executions").at(0).as_object();
  };

  EXPECT_TRUE(state.results_at(run, run.created).empty()); // Pending
  EXPECT_EQ(data_at(0ms).at("status"), "Running");
  EXPECT_TRUE(data_at(0ms).at("result").as_array().empty());
  EXPECT_TRUE(data_at(99ms).at("result").as_array().empty());
  // Item i at (i+1)·500/5 ms: 100, 200, 300, 400.
  for (int i = 0; i < 4; ++i) {
    const auto e = data_at(std::chrono::milliseconds(100 * (i + 1)));
    EXPECT_EQ(e.at("status"), "Running");
    const auto& items = e.at("result").as_array();
    ASSERT_EQ(items.size(), static_cast<std::size_t>(i + 1));
    EXPECT_EQ(items.back().at("status"), "Success");
    EXPECT_EQ(items.back().at("image").as_string(), "https://images.test/results/" + run.id + "/" + std::to_string(i) + ".png");
  }
  EXPECT_EQ(data_at(499ms).at("result").as_array().size(), 4u);
  const auto done = data_at(500ms);
  EXPECT_EQ(done.at("status"), "Success");
  EXPECT_EQ(statuses(done.at("result").as_array()), (std::vector<std::string>(4, "Success")));

  // Without the marker, nothing until Success.
  const auto& plain = make_run(state, "demo", 4);
  EXPECT_TRUE(state.results_at(plain, plain.created + t.pending + t.segmenting + 450ms).empty());
}

TEST(SimMarkers, ShortRunsSucceedWithFewerImagesAndBillOnlyThose)
{
  sim_state state(1, timing{0ms, 0ms, 0ms}, 0); // every run is over at once
  state.set_images_base("https://images.test");
  const auto& run = make_run(state, "sim:short=3", 4);
  const auto e = state.run_data(run, steady::now(), false).at("executions").at(0).as_object();
  EXPECT_EQ(e.at("status"), "Success");
  const auto& items = e.at("result").as_array();
  EXPECT_EQ(statuses(items), (std::vector<std::string>{"Success", "Success", "Success", "Failed"}));
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(items[i].as_object().contains("image"));
  EXPECT_FALSE(items[3].as_object().contains("image"));
  EXPECT_EQ(state.stats().at("images_produced"), 3);

  make_run(state, "sim:short=0", 2);         // Success with no image
  make_run(state, "sim:short=9", 2);         // K is at most batchCount
  make_run(state, "sim:fail", 5);            // a failed run bills nothing
  EXPECT_EQ(state.stats().at("images_produced"), 3 + 0 + 2);
}

TEST(SimReceived, KeepsTheLast256RunRequestsUntilReset)
{
  sim_state state(1, timing{}, 0);
  state.record_received({std::nullopt, 400, R"({"params":{"batchCount":2.0}})"});
  for (int i = 0; i < 300; ++i)
    state.record_received({"run-" + std::to_string(i), 200, "{}"});
  const auto received = state.received();
  ASSERT_EQ(received.size(), received_kept);
  EXPECT_EQ(received.front().at("executionId"), "run-44");
  EXPECT_EQ(received.back(), (json::value(json::object{{"executionId", "run-299"}, {"status", 200}, {"body", "{}"}})));

  state.reset();
  state.record_received({std::nullopt, 400, R"({"batchCount":2.0})"});
  EXPECT_EQ(state.received(),
            (json::value(json::array{json::object{{"executionId", nullptr}, {"status", 400}, {"body", R"({"batchCount":2.0})"}}})));
  state.reset();
  EXPECT_TRUE(state.received().empty());
}
