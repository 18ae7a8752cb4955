#include "store/sql_db.hpp"

#include <cctype>

namespace weshopd::store {

std::string dollar_placeholders(std::string_view sql)
{
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '?' && std::isdigit(static_cast<unsigned char>(out[i + 1])))
      out[i] = '$';
  return out;
}

} // namespace weshopd::store
