// The results manifest of a batch: JSON Lines and CSV lines for real job
// values (succeeded and mirrored, failed, still queued), the CSV read back by
// an RFC 4180 reader written here, so quoting is checked by parsing, not by
// comparing strings alone.

#include "job/batch_manifest.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace weshopd;
namespace json = boost::json;

namespace {

job succeeded_job()
{
  job j;
  j.id = "0190a0a0-0000-7000-8000-000000000001";
  j.agent = "aimodel";
  j.agent_version = "v1.0";
  j.input = {{"originalImage", "https://cdn.test/in/shirt.png"}, {"taskName", "shirt"}};
  j.state = job_state::succeeded;
  j.results = {
    json::object{{"status", "Success"}, {"image", "https://cdn.test/out/a.png"}, {"localUrl", "/v1/jobs/x/results/0"},
                 {"sha256", "aa11"}, {"bytes", 1234}},
    json::object{{"status", "Success"}, {"image", "https://cdn.test/out/b.png"}, {"localUrl", "/v1/jobs/x/results/1"},
                 {"sha256", "bb22"}, {"bytes", 5678}},
  };
  return j;
}

job failed_job()
{
  job j;
  j.id = "0190a0a0-0000-7000-8000-000000000002";
  j.agent = "aipose";
  j.agent_version = "v1.0";
  j.input = {{"originalImage", "/srv/photos/a,b.png"}};
  j.state = job_state::failed;
  j.error = job_error{"upload_failed", "the file \"a,b.png\" vanished\nbefore upload", false};
  return j;
}

// RFC 4180 reader: records of fields, CRLF between records.
std::vector<std::vector<std::string>> parse_csv(const std::string& text)
{
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  bool in_row = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        field += text[++i];
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
    in_row = true;
  }
  EXPECT_FALSE(quoted) << "an open quote at the end";
  rows.pop_back(); // after the last CRLF
  EXPECT_TRUE(in_row);
  return rows;
}

const std::vector<std::string> header{"index",       "name",        "job_id",     "state",  "error_code",
                                      "input_image", "result_urls", "local_urls", "sha256s"};

} // namespace

TEST(BatchManifest, JsonLineOfAMirroredItemWithSeveralResults)
{
  const auto line = manifest_jsonl_line(3, "shirt.png", succeeded_job());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1); // one line
  const auto v = json::parse(line).as_object();
  EXPECT_EQ(v.at("index"), 3);
  EXPECT_EQ(v.at("name"), "shirt.png");
  EXPECT_EQ(v.at("jobId"), "0190a0a0-0000-7000-8000-000000000001");
  EXPECT_EQ(v.at("state"), "succeeded");
  EXPECT_EQ(v.at("input").at("originalImage"), "https://cdn.test/in/shirt.png");
  EXPECT_FALSE(v.contains("error"));
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1], (json::object{{"url", "https://cdn.test/out/b.png"}, {"localUrl", "/v1/jobs/x/results/1"},
                                      {"sha256", "bb22"}, {"bytes", 5678}}));
  EXPECT_FALSE(results[0].as_object().contains("status")); // WeShop's own fields stay in the job
}

TEST(BatchManifest, JsonLineOfAFailedItemCarriesItsErrorOnOneLine)
{
  const auto line = manifest_jsonl_line(0, "a,b.png", failed_job());
  EXPECT_EQ(line.find('\n'), line.size() - 1); // the message's newline is escaped
  const auto v = json::parse(line).as_object();
  EXPECT_EQ(v.at("state"), "failed");
  EXPECT_EQ(v.at("error"), (json::object{{"code", "upload_failed"}, {"message", "the file \"a,b.png\" vanished\nbefore upload"}}));
  EXPECT_EQ(v.at("results"), json::array());
}

TEST(BatchManifest, ResultsCarryOnlyTheFieldsTheyHave)
{
  auto j = succeeded_job();
  j.results = {json::object{{"status", "Success"}, {"image", "https://cdn.test/out/a.png"}}, json::object{},
               json::value("not an object")};
  const auto v = json::parse(manifest_jsonl_line(1, "x.png", j)).as_object();
  EXPECT_EQ(v.at("results"), (json::array{json::object{{"url", "https://cdn.test/out/a.png"}}, json::object{},
                                          json::object{}}));
}

TEST(BatchManifest, CsvHeaderThenOneRecordPerItem)
{
  const auto text = manifest_csv_header() + manifest_csv_line(0, "shirt.png", succeeded_job()) +
                    manifest_csv_line(1, "a,b.png", failed_job());
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], header);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "shirt.png", "0190a0a0-0000-7000-8000-000000000001", "succeeded", "",
                                               "https://cdn.test/in/shirt.png",
                                               "https://cdn.test/out/a.png https://cdn.test/out/b.png",
                                               "/v1/jobs/x/results/0 /v1/jobs/x/results/1", "aa11 bb22"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"1", "a,b.png", "0190a0a0-0000-7000-8000-000000000002", "failed",
                                               "upload_failed", "/srv/photos/a,b.png", "", "", ""}));
}

TEST(BatchManifest, CsvQuotesCommasQuotesAndNewlines)
{
  auto j = failed_job();
  j.input = {{"originalImage", "/srv/\"best\" shirt.png"}};
  const auto line = manifest_csv_line(7, "line one\nline \"two\", \r three", j);
  EXPECT_TRUE(line.ends_with("\r\n"));
  EXPECT_NE(line.find("\"line one\nline \"\"two\"\", \r three\""), std::string::npos) << line;
  EXPECT_NE(line.find(",\"/srv/\"\"best\"\" shirt.png\","), std::string::npos) << line;
  const auto rows = parse_csv(manifest_csv_header() + line);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], "line one\nline \"two\", \r three");
  EXPECT_EQ(rows[1][5], "/srv/\"best\" shirt.png");
  EXPECT_EQ(rows[1].size(), header.size());
}

TEST(BatchManifest, CsvListColumnsKeepEachResultsPlace)
{
  auto j = succeeded_job();
  // Result 1 was not mirrored; result 2's URL holds a raw space (WeShop's are percent-encoded).
  j.results = {json::object{{"image", "https://cdn.test/a.png"}, {"localUrl", "/l/0"}, {"sha256", "aa"}},
               json::object{{"image", "https://cdn.test/b.png"}},
               json::object{{"image", "https://cdn.test/c d.png"}, {"localUrl", "/l/2"}, {"sha256", "cc"}}};
  const auto rows = parse_csv(manifest_csv_line(0, "x", j));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][6], "https://cdn.test/a.png https://cdn.test/b.png https://cdn.test/c%20d.png");
  EXPECT_EQ(rows[0][7], "/l/0  /l/2");
  EXPECT_EQ(rows[0][8], "aa  cc");
}

TEST(BatchManifest, CsvOfAnItemNotStartedHasEmptyColumns)
{
  job j;
  j.id = "id-1";
  j.agent = "aimodel";
  j.agent_version = "v1.0";
  j.state = job_state::queued;
  const auto rows = parse_csv(manifest_csv_line(2, "", j));
  EXPECT_EQ(rows[0], (std::vector<std::string>{"2", "", "id-1", "queued", "", "", "", "", ""}));
}

TEST(BatchManifest, InputImageIsTheOriginalElseTheAgentsFirstImageInput)
{
  job j;
  j.agent = "virtualtryon";
  j.agent_version = "v1.0";
  j.input = {{"locationImage", "https://cdn.test/loc.png"}, {"fashionModelImage", "https://cdn.test/model.png"}};
  EXPECT_EQ(manifest_input_image(j), "https://cdn.test/model.png"); // the catalog's order, not the object's
  j.input["originalImage"] = "https://cdn.test/garment.png";
  EXPECT_EQ(manifest_input_image(j), "https://cdn.test/garment.png");
  j.input = {{"taskName", "no image"}};
  EXPECT_EQ(manifest_input_image(j), "");
}
