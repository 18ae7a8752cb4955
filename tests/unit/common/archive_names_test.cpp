// The names inside a batch's ZIP: after the input, numbered per result, the
// result's own extension, unique (also ignoring case), and never a path that
// unzip could follow out of its folder.

#include "common/archive_names.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

using namespace weshopd;
using names = std::vector<std::vector<std::string>>;

namespace {

std::string one_name(const std::string& input, const std::string& ext = ".png")
{
  return archive_names({{input, {ext}}}).at(0).at(0);
}

std::string lower(std::string s)
{
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

} // namespace

TEST(ArchiveNames, NumberedPerResultWithTheResultsOwnExtension)
{
  EXPECT_EQ(archive_names({{"shirt.png", {".png", ".png"}}}), (names{{"shirt-1.png", "shirt-2.png"}}));
  EXPECT_EQ(archive_names({{"shirt.png", {".jpg", ".webp"}}}), (names{{"shirt-1.jpg", "shirt-2.webp"}}));
  EXPECT_EQ(archive_names({{"shirt.png", {".png"}}}), (names{{"shirt-1.png"}}));
  EXPECT_EQ(archive_names({{"archive.tar.gz", {".png"}}}), (names{{"archive.tar-1.png"}}));
  EXPECT_EQ(archive_names({}), names{});
}

TEST(ArchiveNames, TheSameInputTwiceGetsANumberedStem)
{
  EXPECT_EQ(archive_names({{"shirt.png", {".png", ".png"}},
                           {"shirt.png", {".png"}},
                           {"shirt.jpg", {".png"}},
                           {"dress.png", {".png"}}}),
            (names{{"shirt-1.png", "shirt-2.png"}, {"shirt (2)-1.png"}, {"shirt (3)-1.png"}, {"dress-1.png"}}));
}

TEST(ArchiveNames, UniqueIgnoringCase)
{
  EXPECT_EQ(archive_names({{"Shirt.PNG", {".png"}}, {"shirt.png", {".png"}}, {"SHIRT.png", {".png"}}}),
            (names{{"Shirt-1.png"}, {"shirt (2)-1.png"}, {"SHIRT (3)-1.png"}}));
}

TEST(ArchiveNames, AnInputNamedLikeANumberedStemDoesNotCollide)
{
  EXPECT_EQ(archive_names({{"shirt.png", {".png"}}, {"shirt.png", {".png"}}, {"shirt (2).png", {".png"}}}),
            (names{{"shirt-1.png"}, {"shirt (2)-1.png"}, {"shirt (2) (2)-1.png"}}));
}

TEST(ArchiveNames, AnItemWithoutResultsStillHoldsItsStem)
{
  // The second shirt failed: the third keeps its number whether or not the second had images.
  EXPECT_EQ(archive_names({{"shirt.png", {".png"}}, {"shirt.png", {}}, {"shirt.png", {".png"}}}),
            (names{{"shirt-1.png"}, {}, {"shirt (3)-1.png"}}));
}

TEST(ArchiveNames, PathsAreReducedToTheirLastComponent)
{
  EXPECT_EQ(one_name("../../etc/passwd"), "passwd-1.png");
  EXPECT_EQ(one_name("/home/me/photos/shirt.png"), "shirt-1.png");
  EXPECT_EQ(one_name("..\\..\\Windows\\win.ini"), "win-1.png");
  EXPECT_EQ(one_name("photos/"), "item-1.png");
}

TEST(ArchiveNames, DotsEmptyNamesAndUnsafeCharacters)
{
  EXPECT_EQ(one_name(".hidden.png"), "hidden-1.png");
  EXPECT_EQ(one_name(".bashrc"), "bashrc-1.png");
  EXPECT_EQ(one_name(".."), "item-1.png");
  EXPECT_EQ(one_name("..png"), "item-1.png");
  EXPECT_EQ(one_name(""), "item-1.png");
  EXPECT_EQ(one_name(" . shirt . .png"), "shirt-1.png");
  EXPECT_EQ(one_name(std::string("a\0b", 3) + "\x01\x1f\x7f.png"), "a_b___-1.png");
  EXPECT_EQ(one_name("line\nbreak\r.png"), "line_break_-1.png");
  EXPECT_EQ(one_name("a<b>c:d\"e|f?g*h.png"), "a_b_c_d_e_f_g_h-1.png");
}

TEST(ArchiveNames, Utf8IsKeptAndBrokenUtf8Replaced)
{
  EXPECT_EQ(one_name("façade-été.png"), "façade-été-1.png");
  EXPECT_EQ(one_name("衬衫.png"), "衬衫-1.png");
  EXPECT_EQ(one_name("\xff\xfe.png"), "__-1.png");             // not UTF-8
  EXPECT_EQ(one_name("a\xc0\xaf.png"), "a__-1.png");           // an overlong '/'
  EXPECT_EQ(one_name("a\xed\xa0\x80.png"), "a___-1.png");      // a surrogate
  EXPECT_EQ(one_name("a\xc2\x85z.png"), "a_z-1.png");          // U+0085, a C1 control (NEL)
  EXPECT_EQ(one_name("a\xe2\x82.png"), "a__-1.png");           // cut short
}

TEST(ArchiveNames, LongNamesAreCutOnACharacterBoundary)
{
  EXPECT_EQ(one_name(std::string(300, 'x') + ".png"), std::string(100, 'x') + "-1.png");
  std::string accents;
  for (int i = 0; i < 80; ++i)
    accents += "é"; // 2 bytes each
  EXPECT_EQ(one_name(accents + ".png"), accents.substr(0, 100) + "-1.png");
  EXPECT_EQ(one_name("x" + accents + ".png"), "x" + accents.substr(0, 98) + "-1.png"); // 99 would split a character
}

TEST(ArchiveNames, ExtensionsAreLettersAndDigitsOnly)
{
  EXPECT_EQ(one_name("a.png", "png"), "a-1.png");
  EXPECT_EQ(one_name("a.png", ".JPG"), "a-1.JPG");
  EXPECT_EQ(one_name("a.png", ""), "a-1");
  EXPECT_EQ(one_name("a.png", "./../x"), "a-1");
  EXPECT_EQ(one_name("a.png", ".p/ng"), "a-1");
  EXPECT_EQ(one_name("a.png", ".abcdefghijk"), "a-1"); // over 10
}

TEST(ArchiveNames, HostileNamesGiveSafeUniqueNames)
{
  const std::vector<std::string> hostile{"..", ".", "/", "\\", "../x.png", "x/../../y.png", "/etc/passwd", "C:\\x.png",
                                         "x.png", "X.PNG", "x (2).png", "", " ", "...", "\x01", "a/.", "./a",
                                         std::string(1, '\0'), "x\x7f.png", "%2e%2e%2fx.png"};
  std::vector<archive_item> items;
  for (const auto& h : hostile)
    items.push_back({h, {".png", ".jpg"}});
  std::set<std::string> seen;
  for (const auto& item_names : archive_names(items))
    for (const auto& n : item_names) {
      EXPECT_FALSE(n.empty());
      EXPECT_NE(n.front(), '.') << n;
      EXPECT_EQ(n.find_first_of("/\\"), std::string::npos) << n;
      for (const char c : n)
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << n;
      EXPECT_TRUE(seen.insert(lower(n)).second) << "twice: " << n;
    }
  EXPECT_EQ(seen.size(), hostile.size() * 2);
}

TEST(ArchiveNames, ManyOfTheSameNameStayLinear)
{
  std::vector<archive_item> items(5000, archive_item{"shirt.png", {".png"}});
  const auto out = archive_names(items);
  EXPECT_EQ(out[4999][0], "shirt (5000)-1.png");
}
