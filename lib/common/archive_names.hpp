#pragma once
// The names of a batch's result files (the ZIP in mirror/batch_archive.hpp,
// weshopctl batch download):
// after the item's input, numbered per result, with the result's own type:
// "shirt.png" with two results -> "shirt-1.png", "shirt-2.png" (a single
// result is "shirt-1.png" too). Pure and thread-safe.
//
// Promises, so that unzip writes nothing outside its target folder and no
// two entries overwrite each other:
// - a name is one plain component: the input's name is taken after its last
//   '/' or '\', control characters, invalid UTF-8 and the characters Windows
//   refuses (<>:"|?*) become '_', leading dots and spaces and trailing dots
//   and spaces are dropped, the stem is cut to 100 bytes (on a character
//   boundary); a name that is left empty becomes "item";
// - the extension is the result's own (".png"), letters and digits only, up
//   to 10 of them, else none;
// - names are unique, also ignoring ASCII case (Windows and macOS folders
//   would merge "Shirt-1.png" and "shirt-1.png"): the second item whose stem
//   is taken gets "shirt (2)", the third "shirt (3)", and so on.
// Every item reserves its stem, with or without results, so an item's names
// depend only on the items before it.

#include <string>
#include <vector>

namespace weshopd {

// One batch item as its archive sees it.
struct archive_item {
  std::string name;                    // the input's display name, "shirt.png"
  std::vector<std::string> extensions; // each mirrored result's extension (".png"), in result order
};

// names[i][k]: the name of item i's result k.
std::vector<std::vector<std::string>> archive_names(const std::vector<archive_item>& items);

} // namespace weshopd
