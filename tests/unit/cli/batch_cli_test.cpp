// weshopctl batch's pure parts: which files of a directory are items and in
// what order, the Idempotency-Key (same bytes, agent and params -> same key),
// the progress lines, and the rate and time-left estimates on a given clock.

#include "cli/batch_progress.hpp"
#include "cli/batch_request.hpp"

#include "common/temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

using namespace weshopd::cli;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string png_bytes = std::string("\x89PNG\r\n\x1a\n", 8) + "body";
const std::string jpeg_bytes = std::string("\xFF\xD8\xFF\xE0", 4) + "body";

void write(const weshopd::test::temp_dir& dir, const std::string& name, const std::string& bytes)
{
  std::ofstream(dir.file(name), std::ios::binary) << bytes;
}

std::vector<std::string> names(const std::vector<std::filesystem::path>& paths)
{
  std::vector<std::string> out;
  for (const auto& p : paths)
    out.push_back(p.filename().string());
  return out;
}

json::object batch_with(std::string state, json::object counts)
{
  return json::object{{"id", "b1"}, {"state", state}, {"counts", std::move(counts)}};
}

} // namespace

TEST(BatchInput, ADirectoryMeansItsImagesByExtensionAndMagicSortedByName)
{
  weshopd::test::temp_dir dir;
  write(dir, "b.png", png_bytes);
  write(dir, "a.JPG", jpeg_bytes);
  write(dir, "c.jpeg", jpeg_bytes);
  write(dir, "d.webp", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16));
  write(dir, "notes.txt", png_bytes);       // image bytes, but not an image's name
  write(dir, "fake.png", "just some text"); // an image's name, but not its bytes
  std::filesystem::create_directories(dir.path() / "sub");
  write(dir, "sub/e.png", png_bytes); // not recursive
  const auto found = images_in(dir.path());
  EXPECT_EQ(names(found), (std::vector<std::string>{"a.JPG", "b.png", "c.jpeg", "d.webp"}));
  for (const auto& p : found)
    EXPECT_TRUE(p.is_absolute()) << p;
}

TEST(BatchInput, ItemsAreAbsolutePathsAndTheKeyFollowsBytesAgentAndParams)
{
  weshopd::test::temp_dir dir;
  write(dir, "shirt.png", png_bytes);
  write(dir, "dress.png", png_bytes + "2");
  const batch_args args{"removeBG", "v1.0", {"batchCount=2", "mode=fast"}, {dir.path().string()}};
  const auto first = std::get<batch_request>(batch_submit_request(args));
  EXPECT_EQ(first.items, 2u);
  const auto& items = first.body.at("items").as_array();
  EXPECT_EQ(items.at(0).at("input").at("originalImage").as_string(), (dir.path() / "dress.png").string());
  EXPECT_EQ(first.body.at("params").at("batchCount"), 2) << "a value that parses as JSON is JSON";
  EXPECT_EQ(first.body.at("agent").at("name"), "removeBG");

  // The same command again, params in another order: the same key.
  const batch_args reordered{"removeBG", "v1.0", {"mode=fast", "batchCount=2"}, {dir.path().string()}};
  EXPECT_EQ(std::get<batch_request>(batch_submit_request(reordered)).idempotency_key, first.idempotency_key);
  EXPECT_LE(first.idempotency_key.size(), 255u);

  // Any change of bytes, agent, version or params: another key.
  const auto key_of = [](const batch_args& a) { return std::get<batch_request>(batch_submit_request(a)).idempotency_key; };
  EXPECT_NE(key_of({"aipose", "v1.0", args.params, args.paths}), first.idempotency_key);
  EXPECT_NE(key_of({"removeBG", "v2.0", args.params, args.paths}), first.idempotency_key);
  EXPECT_NE(key_of({"removeBG", "v1.0", {"batchCount=3", "mode=fast"}, args.paths}), first.idempotency_key);
  write(dir, "shirt.png", png_bytes + "changed");
  EXPECT_NE(key_of(args), first.idempotency_key);
}

TEST(BatchInput, TheKeyIsOfTheOrderedDigests)
{
  const json::object params{{"a", 1}};
  EXPECT_EQ(batch_key("x", "v1.0", params, {"aa", "bb"}), batch_key("x", "v1.0", params, {"aa", "bb"}));
  EXPECT_NE(batch_key("x", "v1.0", params, {"aa", "bb"}), batch_key("x", "v1.0", params, {"bb", "aa"}));
  EXPECT_NE(batch_key("x", "v1.0", params, {"aa"}), batch_key("x", "v1.0", params, {"aa", "aa"}));
  EXPECT_TRUE(batch_key("x", "v1.0", params, {}).starts_with("batch-"));
}

TEST(BatchInput, BadArgumentsAreToldNotSent)
{
  weshopd::test::temp_dir dir;
  const auto problem = [](const batch_args& a) { return std::get<std::string>(batch_submit_request(a)); };
  EXPECT_NE(problem({"removeBG", "v1.0", {}, {dir.path().string()}}).find("no images"), std::string::npos);
  EXPECT_NE(problem({"removeBG", "v1.0", {}, {dir.file("missing.png")}}).find("no such file"), std::string::npos);
  write(dir, "a.png", png_bytes);
  EXPECT_NE(problem({"removeBG", "v1.0", {"novalue"}, {dir.path().string()}}).find("NAME=VALUE"), std::string::npos);
}

TEST(BatchProgress, RateAndTimeLeftFromWhatFinishedWhileWatched)
{
  // Nothing finished yet, or under a second: no estimate.
  EXPECT_EQ(rate_per_minute({0, 0, 30, 10s}), std::nullopt);
  EXPECT_EQ(time_left({0, 0, 30, 10s}), std::nullopt);
  EXPECT_EQ(rate_per_minute({0, 3, 30, 500ms}), std::nullopt);
  // 10 of 30 in 20 s: 30/min, 20 left -> 40 s.
  EXPECT_DOUBLE_EQ(*rate_per_minute({0, 10, 30, 20s}), 30.0);
  EXPECT_EQ(time_left({0, 10, 30, 20s}), 40s);
  // Items finished before the watch began are not its rate.
  EXPECT_EQ(time_left({8, 10, 30, 20s}), 200s);
  // Rounds up; all finished is zero.
  EXPECT_EQ(time_left({0, 3, 4, 10s}), 4s);
  EXPECT_EQ(time_left({0, 30, 30, 0s}), 0s);
  EXPECT_EQ(duration_text(std::nullopt), "--");
  EXPECT_EQ(duration_text(45s), "45s");
  EXPECT_EQ(duration_text(185s), "3m05s");
  EXPECT_EQ(duration_text(7620s), "2h07m");
}

TEST(BatchProgress, PlainLineAndBar)
{
  const auto b = batch_with("running", {{"queued", 10}, {"uploading", 3}, {"submitting", 1}, {"running", 4},
                                        {"succeeded", 10}, {"failed", 2}, {"canceled", 0}});
  EXPECT_EQ(batch_line(b), "b1 running 12/30 finished: succeeded 10, failed 2, canceled 0; running 5, waiting 13");
  EXPECT_EQ(progress_bar(b, {0, 12, 30, 60s}, 10),
            "[####------]  12/30  ok 10  failed 2  running 5  12.0/min  left 1m30s  running");
  EXPECT_EQ(progress_bar(b, {12, 12, 30, 60s}, 10),
            "[####------]  12/30  ok 10  failed 2  running 5  --/min  left --  running");
  const auto empty = batch_with("running", {});
  EXPECT_EQ(progress_bar(empty, {}, 4), "[----]  0/0  ok 0  failed 0  running 0  --/min  left 0s  running");
  const auto all = batch_with("succeeded", {{"succeeded", 3}});
  EXPECT_EQ(counts_of(all).finished(), 3);
  EXPECT_NE(describe_batch(all).find("state     succeeded"), std::string::npos) << describe_batch(all);
}
