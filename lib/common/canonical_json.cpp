#include "common/canonical_json.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <vector>

namespace weshopd {
namespace {

void append(std::string& out, const boost::json::value& v)
{
  if (const auto* obj = v.if_object()) {
    std::vector<const boost::json::key_value_pair*> members;
    members.reserve(obj->size());
    for (const auto& kv : *obj)
      members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i)
        out += ',';
      out += boost::json::serialize(boost::json::string_view(members[i]->key()));
      out += ':';
      append(out, members[i]->value());
    }
    out += '}';
  } else if (const auto* arr = v.if_array()) {
    out += '[';
    for (std::size_t i = 0; i < arr->size(); ++i) {
      if (i)
        out += ',';
      append(out, (*arr)[i]);
    }
    out += ']';
  } else {
    out += boost::json::serialize(v);
  }
}

} // namespace

std::string canonical_json(const boost::json::value& v)
{
  std::string out;
  append(out, v);
  return out;
}

} // namespace weshopd
